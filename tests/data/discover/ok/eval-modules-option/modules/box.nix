{ config, inputs, lib, ... }:
{
  options.nixos.modules.backup = lib.mkOption {
    type = lib.types.deferredModule;
    default = { };
  };
  config = {
    nixos.modules.backup = {
      imports = [ inputs.atelier.nixosModules.default ];
      atelier.backup = {
        enable = true;
        repositories.default = {
          repository = "/srv/restic";
          passwordFile = "/run/keys/restic";
        };
      };
    };
    nixos.configurations.box.module = nixosArgs: {
      imports = lib.concat [
        (inputs.atelier.lib.mkService {
          name = "wiki";
          extraConfig = cfg: { atelier.services.wiki.data.files = [ "${cfg.dataDir}/pages" ]; };
        })
      ] [ config.nixos.modules.backup config.nixos.modules.efi config.nixos.modules.gpu ];
      atelier.services.wiki.enable = true;
    };
  };
}
