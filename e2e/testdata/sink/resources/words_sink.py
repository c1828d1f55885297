from file_sink import FileSink

FileSink("words.txt").run()
