# cyber-dojo runs this in the sandbox folder every time [test] is pressed.
# Its output is matched against the progress_regexs of manifest.json:
# the first means red (a test failed), the second green, neither amber (a syntax error).
bash ./hiker_test.sh
