"""The `builder` command line, one module per command group; `app.py` assembles them."""
