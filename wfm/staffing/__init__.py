"""Staffing: queueing kernels, sizing, channel models and requirements from forecasts.

>>> from wfm.staffing import required_agents
>>> int(required_agents(100, 180, 1800, 0.8, 20).agents)
14
"""

from wfm.staffing.search import StaffingResult, required_agents

__all__ = ["StaffingResult", "required_agents"]
