"""Planning across modules: what-if a tested change holds at scale."""
