# A module held in a `deferredModuleWith { staticModules; }` option with an
# `apply` (mightyiam's mkModuleOption): merged as the module system does
# (`{ imports = staticModules ++ definitions-or-default; }`), then `apply`;
# the service in its static module is found.
{ lib, inputs, ... }:
{
  options.nixos.modules.efi = lib.mkOption {
    type = lib.types.deferredModuleWith {
      staticModules = [
        {
          imports = [
            (inputs.atelier.lib.mkService {
              name = "photos";
              extraConfig = cfg: { atelier.services.photos.data.files = [ "${cfg.dataDir}/library" ]; };
            })
          ];
          atelier.services.photos.enable = true;
        }
      ];
    };
    default = { };
    apply = module: { key = "efi"; imports = [ module ]; };
  };
  # A type whose merge atelier-gen does not model, with an `apply`: its
  # value is unknown, so importing it is a named unread import.
  options.nixos.modules.gpu = lib.mkOption {
    type = lib.types.raw;
    default = { };
    apply = module: { key = "gpu"; imports = [ module ]; };
  };
}
