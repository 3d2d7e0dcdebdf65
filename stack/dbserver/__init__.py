"""A Databend HTTP query server (`/v1/query`) over the embedded Databend engine (PyPI `databend`)."""
