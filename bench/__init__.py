"""`make bench`: the site served by gunicorn with production settings, loaded with wrk.

`run.py` drives a run (a throwaway database, collectstatic, gunicorn, the load, the table);
`seed.py` writes the articles, discussions and the logged-in reader it measures; `load.py`
runs wrk, or a Python client when wrk is missing. Nothing here runs at test time except
the seeding, which tests/bench pins.
"""
