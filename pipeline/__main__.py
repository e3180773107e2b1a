import sys

from pipeline import server

# A build server, when one runs (python -m pipeline server start), takes the build; else
# this process does it.
code = server.delegate(sys.argv[1:])
if code is None:
    from pipeline.cli import main

    code = main()
sys.exit(code)
