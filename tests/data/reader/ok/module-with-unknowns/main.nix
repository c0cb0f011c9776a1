# A NixOS module: pkgs and config are unknown statically, the rest is known.
{ config, lib, pkgs, ... }:
let
  dataDir = "/var/lib/notes";
in
{
  services.notes = {
    enable = true;
    package = pkgs.notes;
    dataDir = dataDir;
    startScript = "${pkgs.notes}/bin/notes --data ${dataDir}";
    user = config.users.users.notes.name;
    port = lib.mkDefault 8080;
  };
  environment.systemPackages = with pkgs; [ git sqlite ];
  networking.firewall.allowedTCPPorts = lib.optional config.services.notes.openFirewall 8080;
  systemd.tmpfiles.rules = [ "d ${dataDir} 0750 notes notes -" ];
}
