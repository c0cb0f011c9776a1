{ name, file }:
{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      inherit name;
      extraConfig = cfg: {
        atelier.services.${name}.data.sqlite = "${cfg.dataDir}/${file}";
      };
    })
  ];
}
