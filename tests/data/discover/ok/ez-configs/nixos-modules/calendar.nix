{ atelier, ... }:
{
  imports = [
    (atelier.lib.mkService {
      name = "calendar";
      extraConfig = cfg: {
        atelier.services.calendar.data.sqlite = "${cfg.dataDir}/cal.db";
      };
    })
  ];
}
