# A machine named by a module argument another definition of `clan` sets
# (`_module.args.routerName`).
{ routerName, ... }:
{
  machines.${routerName} = { atelier, ... }: {
    imports = [ atelier.nixosModules.default ];
    atelier.backup = {
      enable = true;
      repositories.default = {
        repository = "sftp:backup@nas:/srv/restic";
        passwordFile = "/run/keys/restic";
      };
      services.dhcp.paths = [ "/var/lib/kea" ];
    };
  };
}
