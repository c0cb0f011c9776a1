{ helpers, ... }:
{
  imports = helpers.lib.modulesIn ../extra;
}
