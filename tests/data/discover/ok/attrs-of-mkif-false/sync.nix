{ config, lib, ... }:
{
  options.my.sync.keepCopies = lib.mkEnableOption "copies of the sync folder";
  config.my.jobs.sync = lib.mkIf config.my.sync.keepCopies { paths = [ "/srv/sync" ]; };
  config.my.archives.sync = lib.mkIf config.my.sync.keepCopies { paths = [ "/srv/sync-archive" ]; };
}
