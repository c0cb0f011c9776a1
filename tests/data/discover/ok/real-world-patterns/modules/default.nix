{ inputs, lib, hostName, ... }:
with lib;
{
  imports = [ ./shop.nix ];
  networking.hostName = hostName;
}
