"""merchintel: the application shell — the command, run orchestration, run-due/watch,
alert delivery and the Redis worker's loop.  It stands on top of exports/, graph/, enrich/,
spiders/ and crawler/ and nothing imports it back."""
