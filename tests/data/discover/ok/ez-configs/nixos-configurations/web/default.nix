{ ezModules, ... }:
{
  # importDefault = false: no repository here, and no service.
  imports = [ ezModules.calendar ];
}
