"""What is built on the pipeline: check, list, links, serve and watch, new and init, WebSub pings.

Each tool reads through the stages before it and never writes feeds itself.
"""
