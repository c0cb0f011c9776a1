# A clan service of the flake's own: its server role's NixOS module.
{ lib, ... }:
{
  _class = "clan.service";
  manifest.name = "notes";
  roles.server = {
    interface.options.dataDir = lib.mkOption { type = lib.types.str; default = "/var/lib/notes"; };
    perInstance = { settings, instanceName, ... }: {
      nixosModule = { atelier, ... }: {
        imports = [ atelier.nixosModules.default ];
        atelier.backup.services.${instanceName} = {
          paths = [ settings.dataDir ];
          schedule = "01:30";
        };
      };
    };
  };
}
