from shipbot.cli import app

app(prog_name="shipbot")
