{
  name = "café";
}
