{ config, lib, inputs, ... }:
let
  cfg = config.services.bookshelf;
in
{
  imports = [
    (inputs.atelier.lib.mkService {
      name = "bookshelf";
      extraConfig = svc: {
        atelier.services.bookshelf.data.sqlite = "${svc.dataDir}/shelf.db";
      };
    })
  ];
  options.services.bookshelf.enable = lib.mkEnableOption "bookshelf" // { default = true; };
  config = lib.mkIf cfg.enable {
    atelier.services.bookshelf.enable = true;
  };
}
