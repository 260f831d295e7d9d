from crawler.cli import main

main(prog_name="merchintel")
