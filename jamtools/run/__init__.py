"""Run: parameters, configuration, the chapter catalogue, the notebook setup, the runner, the
leak scan and the command line. The top of the flow: it may use every layer below it."""
