from branchflow.cli import main

main()
