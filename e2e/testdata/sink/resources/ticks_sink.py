from file_sink import FileSink

FileSink("ticks.txt").run()
