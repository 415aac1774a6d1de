from feedpub.cli import main

main(prog_name="feedpub")
