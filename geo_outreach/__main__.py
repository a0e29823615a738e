"""``python -m geo_outreach`` runs the CLI (Ctrl-C at start-up too: one line, exit 130)."""

import sys

try:
    from geo_outreach.cli import main
except KeyboardInterrupt:
    sys.stderr.write("interrupted\n")
    sys.exit(130)

code = main()
if code == 130:  # no second traceback if Ctrl-C is pressed again while Python shuts down
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
sys.exit(code)
