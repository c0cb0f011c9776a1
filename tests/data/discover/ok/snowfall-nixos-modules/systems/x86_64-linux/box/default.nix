{ host, ... }:
{
  networking.hostName = host;
  atelier.services.radio.enable = true;
}
