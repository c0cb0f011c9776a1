# A condition that reads another module's definition: `site.enable` is
# declared here and set by the host; `site.root` is mkDefault in mail.nix
# and plain on the host (the host wins).
{ config, lib, ... }:
{
  options.site = {
    enable = lib.mkOption { default = false; };
    root = lib.mkOption { default = "/srv/www"; };
  };
  config = lib.mkIf config.site.enable {
    atelier.backup.services.site = {
      paths = [ config.site.root ];
    };
  };
}
