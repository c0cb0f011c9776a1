# The NixOS idiom: options, then `config = mkIf cfg.enable (mkMerge [ ... ])`,
# with nested gates on sub-options that default to true.
{ config, lib, ... }:
let
  cfg = config.atelier.services.gallery;
in
{
  options.atelier.services.gallery = {
    enable = lib.mkEnableOption "the gallery";
    dataDir = lib.mkOption {
      type = lib.types.str;
      default = "/var/lib/gallery";
    };
    originals.enable = lib.mkOption {
      type = lib.types.bool;
      default = true;
    };
    thumbnails.enable = lib.mkOption {
      type = lib.types.bool;
      default = true;
    };
    data = lib.mkOption {
      type = lib.types.submodule ./data-type.nix;
      default = { };
    };
  };

  config = lib.mkIf cfg.enable (lib.mkMerge [
    { users.users.gallery.home = cfg.dataDir; }
    (lib.mkIf cfg.originals.enable {
      atelier.services.gallery.data.files = lib.mkAfter [ "${cfg.dataDir}/originals" ];
    })
    (lib.mkIf cfg.thumbnails.enable {
      atelier.services.gallery.data.files = [ "${cfg.dataDir}/thumbnails" ];
    })
    {
      atelier.services.gallery.data.files = lib.mkBefore [ "${cfg.dataDir}/albums.json" ];
      atelier.services.gallery.data.sqlite = "${cfg.dataDir}/gallery.db";
    }
  ]);
}
