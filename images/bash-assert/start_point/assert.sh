# A few assert functions (sourced by the tests). Each failed assertion prints one
# "FAILED: " line; report prints the summary cyber-dojo's progress_regexs look for.
passed=0
failed=0

assert_equals() { # expected actual [message]
  if [ "$1" = "$2" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAILED: ${3:-assert_equals}: expected '$1', got '$2'"
  fi
}

report() {
  if [ "$failed" -eq 0 ]; then
    echo "ALL TESTS PASSED ($passed)"
  else
    echo "$failed of $((passed + failed)) tests failed"
    return 1
  fi
}
