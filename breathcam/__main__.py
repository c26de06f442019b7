import sys

from breathcam.cli import main

sys.exit(main())
