from merchintel.cli import main

main(prog_name="merchintel")
