answer() {
  echo $((6 * 9))
}
