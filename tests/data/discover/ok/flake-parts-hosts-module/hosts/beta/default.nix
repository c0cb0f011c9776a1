{ hostName, ... }:
{
  networking.hostName = hostName;
}
