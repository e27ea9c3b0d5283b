"""`python -m simulator` is `olt-sim`."""

from simulator.cli import main

raise SystemExit(main())
