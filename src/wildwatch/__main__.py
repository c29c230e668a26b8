from wildwatch.cli import main

raise SystemExit(main())
