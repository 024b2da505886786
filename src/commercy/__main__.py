from commercy.cli import app

app(prog_name="commercy")
