{ config, lib, ... }:
let
  cfg = config.my.containers.proxy;
in
lib.mkMerge [
  { my.containers.proxy.port = 8080; }
  (lib.mkIf cfg.enable {
    networking.firewall.allowedTCPPorts = [ cfg.port ];
    users.users.proxy.description = "proxy for ${cfg.name}";
  })
]
