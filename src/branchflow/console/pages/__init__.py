"""One module per console page; each handler takes a web.Page and returns a Response."""
