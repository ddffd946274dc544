from textsr.cli import main

raise SystemExit(main())
