"""Each contract violation gets its own precise one-line message."""

from __future__ import annotations

import pandas as pd
import pytest

from tests.conftest import HISTORY_HEADER, HISTORY_ROWS
from wfm.config import load_centre
from wfm.errors import InputError
from wfm.io.inputs import read_agents, read_events, read_history


@pytest.fixture
def vocab(centre_path):
    return load_centre(centre_path).vocabulary(source="centre.yaml")


def history_error(write, body: str, vocab=None, header: str = HISTORY_HEADER) -> str:
    path = write("h.csv", header + body)
    with pytest.raises(InputError) as info:
        read_history(path, vocab)
    return str(info.value).replace(str(path), "h.csv")


def test_valid_history_is_typed(write):
    frame = read_history(write("h.csv", HISTORY_HEADER + HISTORY_ROWS))
    assert pd.api.types.is_datetime64_any_dtype(frame["interval_start"])
    assert frame["contacts"].tolist() == [12, 15, 4]
    assert frame["aht_seconds"].tolist() == [300, 310.5, 400]


def test_optional_columns_may_be_absent(write):
    frame = read_history(write("h.csv", "interval_start,channel,inquiry_type,contacts\n"
                                        "2026-09-01 08:00,电话,出险报案,3\n"))
    assert frame["site"].tolist() == ["all"]
    assert frame["aht_seconds"].isna().all()


def test_missing_column(write):
    msg = history_error(write, "2026-09-01 08:00,phone,3\n",
                        header="interval_start,channel,contacts\n")
    assert msg == ("h.csv: missing column 'inquiry_type' for a contact history file: expected "
                   "interval_start, channel, inquiry_type, contacts (optional: aht_seconds, site),"
                   " found interval_start, channel, contacts")


def test_duplicate_column(write):
    msg = history_error(write, "2026-09-01 08:00,phone,a,1,2\n",
                        header="interval_start,channel,inquiry_type,contacts,contacts\n")
    assert msg.startswith("h.csv: column 'contacts' appears more than once")


def test_no_rows(write):
    assert history_error(write, "") == (
        "h.csv: no data rows: expected at least one contact history row")


def test_wrong_type(write):
    msg = history_error(write, "2026-09-01 08:00,phone,出险报案,12,fast,上海\n")
    assert msg == "h.csv, row 2, column 'aht_seconds': expected a number, found 'fast'"


def test_negative_count_counts_other_rows(write):
    body = ("2026-09-01 08:00,phone,出险报案,-2,300,上海\n"
            "2026-09-01 08:30,phone,出险报案,-5,300,上海\n")
    assert history_error(write, body) == (
        "h.csv, row 2, column 'contacts': expected a count of zero or more, found '-2' "
        "(and 1 more row like it)")


def test_empty_required_cell(write):
    msg = history_error(write, "2026-09-01 08:00,phone,出险报案,,300,上海\n")
    assert msg == "h.csv, row 2, column 'contacts': expected a count, found an empty cell"


def test_unparseable_timestamp(write):
    msg = history_error(write, HISTORY_ROWS + "next tuesday,phone,出险报案,1,300,上海\n")
    assert msg == ("h.csv, row 5, column 'interval_start': expected a date and time such as "
                   "'2026-09-01 08:30', found 'next tuesday'")


def test_other_timestamp_layouts_and_offsets(write):
    body = ("2026/9/1 8:00,phone,出险报案,1,300,上海\n"
            "2026-9-1 8:30,phone,出险报案,1,300,上海\n")
    frame = read_history(write("h.csv", HISTORY_HEADER + body))
    assert frame["interval_start"].tolist() == [pd.Timestamp("2026-09-01 08:00"),
                                                pd.Timestamp("2026-09-01 08:30")]
    utc = ("2026-09-01T00:00:00Z,phone,出险报案,1,300,上海\n"
           "2026-09-01T09:30:00+09:00,phone,出险报案,1,300,上海\n")  # 08:00 and 08:30 Shanghai
    frame = read_history(write("u.csv", HISTORY_HEADER + utc))
    assert frame["interval_start"].tolist() == [pd.Timestamp("2026-09-01 08:00"),
                                                pd.Timestamp("2026-09-01 08:30")]


def test_duplicate_key_names_both_rows(write):
    body = HISTORY_ROWS + "2026-09-01 08:30,phone,出险报案,9,300,上海\n"
    assert history_error(write, body) == (
        "h.csv, row 5: duplicate contact history row: expected one row per interval_start, "
        "channel, inquiry_type, site, found the same key as row 3 (interval_start=2026-09-01 "
        "08:30, channel='phone', inquiry_type='出险报案', site='上海')")


def test_unknown_channel_without_centre_suggests(write):
    msg = history_error(write, "2026-09-01 08:00,wechta,业务查询,1,300,上海\n")
    assert msg.startswith("h.csv, row 2, column 'channel': unknown channel 'wechta' "
                          "(did you mean 'wechat'?): expected one of phone, video, wechat")


def test_chinese_channel_names_are_known(write):
    frame = read_history(write("h.csv", HISTORY_HEADER + "2026-09-01 08:00,微信,业务查询,1,300,上海\n"))
    assert frame["channel"].tolist() == ["微信"]


def test_unknown_site_with_centre(write, vocab):
    msg = history_error(write, "2026-09-01 08:00,phone,出险报案,1,300,北京\n", vocab)
    assert msg == ("h.csv, row 2, column 'site': unknown site '北京': expected one of 上海, 成都 "
                   "(centre.yaml)")


def test_unknown_inquiry_type_with_centre(write, vocab):
    msg = history_error(write, HISTORY_ROWS + "2026-09-01 08:00,phone,理赔,1,300,上海\n", vocab)
    assert msg.startswith("h.csv, row 5, column 'inquiry_type': unknown inquiry type '理赔'")


def test_type_not_served_on_channel(write, vocab):
    msg = history_error(write, "2026-09-01 08:00,webchat,业务办理,1,300,上海\n", vocab)
    assert msg == ("h.csv, row 2, column 'inquiry_type': inquiry type '业务办理' is not served on "
                   "channel 'webchat': expected one of 业务查询, 投诉建议 (centre.yaml)")


def test_off_grid_interval(write):
    body = "".join(f"2026-09-01 {h:02d}:{m:02d},phone,出险报案,1,300,上海\n"
                   for h in range(8, 20) for m in (0, 30))
    body += "2026-09-01 20:07,phone,出险报案,1,300,上海\n"
    assert history_error(write, body) == (
        "h.csv, row 26, column 'interval_start': expected an interval start on the 30-minute "
        "grid, found '2026-09-01 20:07'")


def test_seconds_in_interval_start(write):
    msg = history_error(write, "2026-09-01 08:00:30,phone,出险报案,1,300,上海\n")
    assert msg.endswith("expected an interval start on a whole minute, found seconds in it")


def test_zero_aht_with_contacts(write):
    msg = history_error(write, "2026-09-01 08:00,phone,出险报案,3,0,上海\n")
    assert msg == ("h.csv, row 2, column 'aht_seconds': expected a handle time above 0 seconds "
                   "where contacts > 0, found 0.0")


def test_thousands_separator_is_a_number(write):
    frame = read_history(write("h.csv", HISTORY_HEADER + '2026-09-01 08:00,phone,出险报案,"1,200",300,上海\n'))
    assert frame["contacts"].tolist() == [1200]


# ------------------------------------------------------------------------------ agents

AGENTS_HEADER = "agent_id,name,site,skills,contract,team,unavailable,preferred_shifts,preferred_days_off\n"


def agents_error(write, body: str, vocab=None) -> str:
    path = write("a.csv", AGENTS_HEADER + body)
    with pytest.raises(InputError) as info:
        read_agents(path, vocab)
    return str(info.value).replace(str(path), "a.csv")


def test_valid_agents(write, vocab):
    body = ("SH001,张伟,上海,phone；wechat,full_time,VIP组,2026-11-24;2026-11-26 13:00-17:00,"
            "early,周六;Sun\n"
            "SH002,李娜,上海,phone,part_time,业务组,2026-11-27..2026-11-28,,\n")
    frame = read_agents(write("a.csv", AGENTS_HEADER + body), vocab)
    assert frame.loc[0, "skills"] == ("phone", "wechat")
    assert frame.loc[0, "preferred_days_off"] == (5, 6)
    start, end = frame.loc[0, "unavailable"][1]
    assert (start.hour, end.hour) == (13, 17)
    assert frame.loc[1, "unavailable"][0][1].day == 29  # the range includes 28 November


def test_duplicate_agent(write):
    msg = agents_error(write, "A1,张伟,上海,phone,ft,,,,\nA1,李娜,上海,phone,ft,,,,\n")
    assert msg.startswith("a.csv, row 3: duplicate agent roster row: expected one row per "
                          "agent_id, found the same key as row 2")


def test_unknown_skill(write, vocab):
    msg = agents_error(write, "A1,张伟,上海,phone;video,ft,,,,\n", vocab)
    assert msg.startswith("a.csv, row 2, column 'skills': unknown skill 'video'")


def test_bad_unavailable(write):
    msg = agents_error(write, "A1,张伟,上海,phone,ft,,2026-13-01,,\n")
    assert msg == ("a.csv, row 2, column 'unavailable': expected dates like 2026-12-01, "
                   "2026-12-01..2026-12-03 or 2026-12-01 09:00-12:00, found '2026-13-01'")


def test_bad_day_off(write):
    msg = agents_error(write, "A1,张伟,上海,phone,ft,,,,Caturday\n")
    assert msg == ("a.csv, row 2, column 'preferred_days_off': expected weekday names such as "
                   "Sat;Sun or 周六;周日, found 'caturday'")


def test_no_skills(write):
    msg = agents_error(write, "A1,张伟,上海,;,ft,,,,\n")
    assert msg == "a.csv, row 2, column 'skills': expected at least one skill, found none"


def test_numeric_agent_ids_from_excel_stay_whole(tmp_path):
    from wfm.io.excel import Workbook

    book = Workbook()
    book.add_table("agents", pd.DataFrame({"agent_id": [1001.0], "name": ["王芳"], "site": ["上海"],
                                           "skills": ["phone"], "contract": ["full_time"]}))
    frame = read_agents(book.save(tmp_path / "a.xlsx"))
    assert frame["agent_id"].tolist() == ["1001"]


# ------------------------------------------------------------------------------ events

EVENTS_HEADER = "timestamp,contact_id,customer_id,channel,inquiry_type,agent_id,team,event,value\n"


def test_valid_events(write, vocab):
    body = ("2026-11-20 09:00:05,P1,C1,phone,业务办理,SH001,业务组,reached,\n"
            "2026-11-20 09:01:00,P1,C1,phone,业务办理,SH001,业务组,invited,\n"
            "2026-11-21 10:00:00,P1,C1,phone,业务办理,,,converted,1800\n")
    frame = read_events(write("e.csv", EVENTS_HEADER + body), vocab)
    assert frame["event"].tolist() == ["reached", "invited", "converted"]
    assert frame["value"].iloc[-1] == 1800
    assert frame["agent_id"].iloc[-1] == ""


def test_events_need_a_customer(write):
    path = write("e.csv", EVENTS_HEADER + "2026-11-20 09:00,P1,,phone,业务办理,A,T,reached,\n")
    with pytest.raises(InputError, match=r"row 2, column 'customer_id': expected an identifier, "
                                         r"found an empty cell"):
        read_events(path)


def test_unknown_team(write, vocab):
    path = write("e.csv", EVENTS_HEADER + "2026-11-20 09:00,P1,C1,phone,业务办理,A,火星组,reached,\n")
    with pytest.raises(InputError, match=r"column 'team': unknown team '火星组'"):
        read_events(path, vocab)
