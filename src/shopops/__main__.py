from shopops.cli import main

main()
