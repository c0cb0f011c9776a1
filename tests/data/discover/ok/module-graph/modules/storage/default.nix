# A directory module: imported through its default.nix.
{ lib, ... }:
{
  imports = [ ../../services/gallery.nix ];
  config = lib.mkMerge [
    { atelier.services.gallery.enable = true; }
    (lib.mkIf false { atelier.services.gallery.dataDir = "/never"; })
  ];
}
