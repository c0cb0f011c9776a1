{
  networking.hostName = "beta";
}
