{
  networking.hostName = "alpha";
}
