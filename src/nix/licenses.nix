# nixpkgs' license table (lib.licenses), for atelier's built-in lib, which
# reads this file only when `lib.licenses` is used (src/nix/builtins.rs).
# Each license is `spdx id fullName` (its URL is SPDX's page for it) or
# `named fullName url`, with what differs from a free, redistributable,
# current license named after its attribute; with nixpkgs' compound-license
# operators and the helpers that read them (`AND`, `OR`, `isFree`,
# `toSPDX`, ...).
{ optionalAttrs, mapAttrs, any, all, elem, concatMapStringsSep }:
let
  license = name: l:
    { shortName = name; free = true; deprecated = false; licenseType = "simple"; }
    // l // { redistributable = l.redistributable or l.free or true; };
  spdx = spdxId: fullName: extra: name:
    license name ({ inherit spdxId fullName; url = "https://spdx.org/licenses/${spdxId}.html"; } // extra);
  named = fullName: url: extra: name:
    license name ({ inherit fullName; } // optionalAttrs (url != null) { inherit url; } // extra);
  # Compound licenses as nixpkgs builds them: a choice (`OR`) or all
  # (`AND`) of a list, a license `WITH` an exception, `PLUS` (that
  # version or a later one).
  operators = {
    OR = licenses: { licenseType = "compound"; operator = "OR"; inherit licenses; };
    AND = licenses: { licenseType = "compound"; operator = "AND"; inherit licenses; };
    WITH = license: exception: { licenseType = "exception"; operator = "WITH"; inherit license exception; };
    PLUS = license: { licenseType = "plus"; operator = "+"; inherit license; };
  };
  # `property` of a simple license. A permissive property holds for a
  # choice when one of its licenses has it and for `AND` when all do; a
  # strict one the other way round. An exception needs it on both sides.
  evaluateProperty = property: permissive:
    let
      holds = l:
        if l.licenseType == "simple" then property l
        else if l.licenseType == "compound" then
          if l.operator != "OR" && l.operator != "AND" then throw "Unknown license operator"
          else (if (l.operator == "OR") == permissive then any else all) holds l.licenses
        else if l.licenseType == "exception" then holds l.license && holds l.exception
        else if l.licenseType == "plus" then holds l.license
        else throw "Unknown license type or legacy license";
    in
    holds;
  evaluateNamedProperty = name: evaluateProperty (l: l.${name});
  # The SPDX expression; a license without an SPDX id is a `LicenseRef`.
  toSPDX = l:
    let
      part = x: if x.licenseType == "compound" || x.licenseType == "exception" then "(${toSPDX x})" else toSPDX x;
    in
    if l.licenseType == "simple" then l.spdxId or "LicenseRef-nixos-${l.shortName}"
    else if l.licenseType == "compound" then concatMapStringsSep " ${l.operator} " part l.licenses
    else if l.licenseType == "exception" then "${part l.license} ${l.operator} ${part l.exception}"
    else if l.licenseType == "plus" then "${part l.license}${l.operator}"
    else throw "Unknown license type";
  helpers = {
    inherit evaluateProperty evaluateNamedProperty toSPDX;
    isFree = evaluateNamedProperty "free" true;
    isRedistributable = evaluateNamedProperty "redistributable" true;
    containsLicenses = licenses: evaluateProperty (l: elem l licenses) false;
  };
in
mapAttrs (name: l: l name) {
    abstyles = spdx "Abstyles" "Abstyles License" { };
    acsl14 = named "Anti-Capitalist Software License v1.4" "https://anticapitalist.software/" { free = false; };
    activision = named "Activision EULA" "https://www.doomworld.com/eternity/activision_eula.txt" { free = false; };
    adobeDisplayPostScript = spdx "Adobe-Display-PostScript" "Adobe Display PostScript License" { };
    adobeUtopia = spdx "Adobe-Utopia" "Adobe Utopia Font License" { };
    afl20 = spdx "AFL-2.0" "Academic Free License v2.0" { };
    afl21 = spdx "AFL-2.1" "Academic Free License v2.1" { };
    afl3 = spdx "AFL-3.0" "Academic Free License v3.0" { };
    agpl3Only = spdx "AGPL-3.0-only" "GNU Affero General Public License v3.0 only" { };
    agpl3Plus = spdx "AGPL-3.0-or-later" "GNU Affero General Public License v3.0 or later" { };
    aladdin = spdx "Aladdin" "Aladdin Free Public License" { free = false; };
    amazonsl = named "Amazon Software License" "https://aws.amazon.com/asl/" { free = false; };
    amd = named "AMD License Agreement" "https://developer.amd.com/amd-license-agreement/" { free = false; };
    aml = spdx "AML" "Apple MIT License" { };
    ampas = spdx "AMPAS" "Academy of Motion Picture Arts and Sciences BSD" { };
    aom = named "Alliance for Open Media Patent License 1.0" "https://aomedia.org/license/patent-license/" { };
    apple-psl10 = spdx "APSL-1.0" "Apple Public Source License 1.0" { };
    apple-psl20 = spdx "APSL-2.0" "Apple Public Source License 2.0" { };
    apsl10 = spdx "APSL-1.0" "Apple Public Source License 1.0" { deprecated = true; };
    apsl20 = spdx "APSL-2.0" "Apple Public Source License 2.0" { deprecated = true; };
    arphicpl = spdx "Arphic-1999" "Arphic Public License" { };
    artistic1 = spdx "Artistic-1.0" "Artistic License 1.0" { };
    artistic1-cl8 = spdx "Artistic-1.0-cl8" "Artistic License 1.0 w/clause 8" { };
    artistic2 = spdx "Artistic-2.0" "Artistic License 2.0" { };
    asl11 = spdx "Apache-1.1" "Apache License 1.1" { };
    asl20 = spdx "Apache-2.0" "Apache License 2.0" { };
    baekmuk = spdx "Baekmuk" "Baekmuk License" { };
    beerware = spdx "Beerware" "Beerware License" { };
    bitstreamCharter = spdx "Bitstream-Charter" "Bitstream Charter Font License" { };
    bitstreamVera = spdx "Bitstream-Vera" "Bitstream Vera Font License" { };
    bitTorrent10 = spdx "BitTorrent-1.0" " BitTorrent Open Source License v1.0" { };
    bitTorrent11 = spdx "BitTorrent-1.1" " BitTorrent Open Source License v1.1" { };
    blueOak100 = spdx "BlueOak-1.0.0" "Blue Oak Model License 1.0.0" { };
    boehmGC = spdx "Boehm-GC" "Boehm-Demers-Weiser GC License" { };
    bola11 = spdx "BOLA-1.1" "Buena Onda License Agreement v1.1" { };
    boost = spdx "BSL-1.0" "Boost Software License 1.0" { };
    bsd0 = spdx "0BSD" "BSD Zero Clause License" { };
    bsd1 = spdx "BSD-1-Clause" "BSD 1-Clause License" { };
    bsd2 = spdx "BSD-2-Clause" "BSD 2-clause \"Simplified\" License" { };
    bsd2Patent = spdx "BSD-2-Clause-Patent" "BSD-2-Clause Plus Patent License" { };
    bsd2WithViews = spdx "BSD-2-Clause-Views" "BSD 2-Clause with views sentence" { };
    bsd3 = spdx "BSD-3-Clause" "BSD 3-clause \"New\" or \"Revised\" License" { };
    bsd3ClauseTso = spdx "BSD-3-Clause-Tso" "BSD 3-Clause Tso variant" { };
    bsd3Clear = spdx "BSD-3-Clause-Clear" "BSD 3-Clause Clear License" { };
    bsd3Lbnl = spdx "BSD-3-Clause-LBNL" "Lawrence Berkeley National Labs BSD variant license" { };
    bsd3Modification = spdx "BSD-3-Clause-Modification" "BSD 3-Clause Modification" { };
    bsdAxisNoDisclaimerUnmodified = named "BSD-Axis without Warranty Disclaimer with Unmodified requirement" "https://scancode-licensedb.aboutcode.org/bsd-no-disclaimer-unmodified.html" { };
    bsdOriginal = spdx "BSD-4-Clause" "BSD 4-clause \"Original\" or \"Old\" License" { };
    bsdOriginalShortened = spdx "BSD-4-Clause-Shortened" "BSD 4 Clause Shortened" { };
    bsdOriginalUC = spdx "BSD-4-Clause-UC" "BSD 4-Clause University of California-Specific" { };
    bsdProtection = spdx "BSD-Protection" "BSD Protection License" { };
    bsdSourceCode = spdx "BSD-Source-Code" "BSD Source Code Attribution" { };
    bsl11 = spdx "BUSL-1.1" "Business Source License 1.1" { free = false; redistributable = true; };
    bzip2 = spdx "bzip2-1.0.6" "bzip2 and libbzip2 License v1.0.6" { };
    cal10 = spdx "CAL-1.0" "Cryptographic Autonomy License version 1.0 (CAL-1.0)" { };
    caldera = spdx "Caldera" "Caldera License" { };
    capec = spdx "CAPEC-tou" "Common Attack Pattern Enumeration and Classification License" { };
    cc-by-10 = spdx "CC-BY-1.0" "Creative Commons Attribution 1.0" { };
    cc-by-20 = spdx "CC-BY-2.0" "Creative Commons Attribution 2.0" { };
    cc-by-30 = spdx "CC-BY-3.0" "Creative Commons Attribution 3.0" { };
    cc-by-40 = spdx "CC-BY-4.0" "Creative Commons Attribution 4.0" { };
    cc-by-nc-30 = spdx "CC-BY-NC-3.0" "Creative Commons Attribution Non Commercial 3.0 Unported" { free = false; };
    cc-by-nc-40 = spdx "CC-BY-NC-4.0" "Creative Commons Attribution Non Commercial 4.0 International" { free = false; };
    cc-by-nc-nd-30 = spdx "CC-BY-NC-ND-3.0" "Creative Commons Attribution Non Commercial No Derivative Works 3.0 Unported" { free = false; };
    cc-by-nc-nd-40 = spdx "CC-BY-NC-ND-4.0" "Creative Commons Attribution-NonCommercial-NoDerivatives 4.0 International" { free = false; };
    cc-by-nc-sa-20 = spdx "CC-BY-NC-SA-2.0" "Creative Commons Attribution Non Commercial Share Alike 2.0" { free = false; };
    cc-by-nc-sa-25 = spdx "CC-BY-NC-SA-2.5" "Creative Commons Attribution Non Commercial Share Alike 2.5" { free = false; };
    cc-by-nc-sa-30 = spdx "CC-BY-NC-SA-3.0" "Creative Commons Attribution Non Commercial Share Alike 3.0" { free = false; };
    cc-by-nc-sa-40 = spdx "CC-BY-NC-SA-4.0" "Creative Commons Attribution Non Commercial Share Alike 4.0" { free = false; };
    cc-by-nd-30 = spdx "CC-BY-ND-3.0" "Creative Commons Attribution-No Derivative Works v3.00" { free = false; };
    cc-by-nd-40 = spdx "CC-BY-ND-4.0" "Creative Commons Attribution-No Derivative Works v4.0" { free = false; };
    cc-by-sa-10 = spdx "CC-BY-SA-1.0" "Creative Commons Attribution Share Alike 1.0" { };
    cc-by-sa-20 = spdx "CC-BY-SA-2.0" "Creative Commons Attribution Share Alike 2.0" { };
    cc-by-sa-25 = spdx "CC-BY-SA-2.5" "Creative Commons Attribution Share Alike 2.5" { };
    cc-by-sa-30 = spdx "CC-BY-SA-3.0" "Creative Commons Attribution Share Alike 3.0" { };
    cc-by-sa-40 = spdx "CC-BY-SA-4.0" "Creative Commons Attribution Share Alike 4.0" { };
    cc-sa-10 = spdx "CC-SA-1.0" "Creative Commons Share Alike 1.0" { };
    cc0 = spdx "CC0-1.0" "Creative Commons Zero v1.0 Universal" { };
    cddl = spdx "CDDL-1.0" "Common Development and Distribution License 1.0" { };
    cecill-b = spdx "CECILL-B" "CeCILL-B Free Software License Agreement" { };
    cecill-c = spdx "CECILL-C" "CeCILL-C Free Software License Agreement" { };
    cecill20 = spdx "CECILL-2.0" "CeCILL Free Software License Agreement v2.0" { };
    cecill21 = spdx "CECILL-2.1" "CeCILL Free Software License Agreement v2.1" { };
    cfitsio = spdx "CFITSIO" "CFITSIO License" { };
    clArtistic = spdx "ClArtistic" "Clarified Artistic License" { };
    classpathException20 = spdx "Classpath-exception-2.0" "Classpath exception 2.0" { };
    cnri-python = spdx "CNRI-Python" "CNRI Python License" { };
    cockroachdb-community-license = named "CockroachDB Community License Agreement" "https://www.cockroachlabs.com/cockroachdb-community-license/" { free = false; };
    commons-clause = named "Commons Clause License" "https://commonsclause.com/" { free = false; };
    cpal10 = spdx "CPAL-1.0" "Common Public Attribution License 1.0" { };
    cpl10 = spdx "CPL-1.0" "Common Public License 1.0" { };
    cronyx = spdx "Cronyx" "Cronyx License" { };
    curl = spdx "curl" "curl License" { };
    databricks = named "Databricks License" "https://www.databricks.com/legal/db-license" { free = false; };
    databricks-dbx = named "DataBricks eXtensions aka dbx License" "https://github.com/databrickslabs/dbx/blob/743b579a4ac44531f764c6e522dbe5a81a7dc0e4/LICENSE" { free = false; };
    databricks-license = named "Databricks License" "https://www.databricks.com/legal/db-license" { free = false; };
    dec3Clause = spdx "DEC-3-Clause" "DEC 3-Clause License" { };
    doc = spdx "DOC" "DOC License" { };
    docBookDtd = spdx "DocBook-DTD" "DocBook DTD License" { };
    drl10 = spdx "DRL-1.0" "Detection Rule License 1.0" { };
    dtoa = spdx "dtoa" "dtoa License" { };
    eapl = named "EPSON AVASYS PUBLIC LICENSE" "https://avasys.jp/hp/menu000000700/hpg000000603.htm" { free = false; };
    ecl20 = spdx "ECL-2.0" "Educational Community License, Version 2.0" { shortName = "ECL 2.0"; };
    efl10 = spdx "EFL-1.0" "Eiffel Forum License v1.0" { };
    efl20 = spdx "EFL-2.0" "Eiffel Forum License v2.0" { };
    elastic20 = spdx "Elastic-2.0" "Elastic License 2.0" { free = false; };
    enpl = named "Emmi AI Non-Production License" "https://github.com/Emmi-AI/noether/blob/main/LICENSE.txt" { free = false; redistributable = true; };
    epl10 = spdx "EPL-1.0" "Eclipse Public License 1.0" { };
    epl20 = spdx "EPL-2.0" "Eclipse Public License 2.0" { };
    epson = named "Seiko Epson Corporation Software License Agreement for Linux" "https://download.ebz.epson.net/dsc/du/02/eula/global/LINUX_EN.html" { free = false; };
    eupl11 = spdx "EUPL-1.1" "European Union Public License 1.1" { };
    eupl12 = spdx "EUPL-1.2" "European Union Public License 1.2" { };
    fair = spdx "Fair" "Fair License" { };
    fairsource09 = named "Fair Source License, version 0.9" "https://fair.io/v0.9.txt" { free = false; redistributable = true; };
    fdl11Only = spdx "GFDL-1.1-only" "GNU Free Documentation License v1.1 only" { };
    fdl11Plus = spdx "GFDL-1.1-or-later" "GNU Free Documentation License v1.1 or later" { };
    fdl12Only = spdx "GFDL-1.2-only" "GNU Free Documentation License v1.2 only" { };
    fdl12Plus = spdx "GFDL-1.2-or-later" "GNU Free Documentation License v1.2 or later" { };
    fdl13Only = spdx "GFDL-1.3-only" "GNU Free Documentation License v1.3 only" { };
    fdl13Plus = spdx "GFDL-1.3-or-later" "GNU Free Documentation License v1.3 or later" { };
    ffsl = named "Floodgap Free Software License" "https://www.floodgap.com/software/ffsl/license.html" { free = false; };
    fontException = spdx "Font-exception-2.0" "Font exception 2.0" { };
    fraunhofer-fdk = spdx "FDK-AAC" "Fraunhofer FDK AAC Codec Library" { };
    free = named "Unspecified free software license" null { };
    fsl11Asl20 = spdx "FSL-1.1-ALv2" "Functional Source License, Version 1.1, Apache 2.0 Future License" { free = false; redistributable = true; };
    fsl11Mit = spdx "FSL-1.1-MIT" "Functional Source License, Version 1.1, MIT Future License" { free = false; redistributable = true; };
    ftl = spdx "FTL" "Freetype Project License" { };
    g4sl = named "Geant4 Software License" "https://geant4.web.cern.ch/geant4/license/LICENSE.html" { };
    generaluser = named "GeneralUser GS License v2.0" "https://www.schristiancollins.com/generaluser.php" { };
    geogebra = named "GeoGebra Non-Commercial License Agreement" "https://www.geogebra.org/license" { free = false; };
    gfl = named "GUST Font License" "https://www.gust.org.pl/projects/e-foundry/licenses/GUST-FONT-LICENSE.txt" { };
    gfsl = named "GUST Font Source License" "https://www.gust.org.pl/projects/e-foundry/licenses/GUST-FONT-SOURCE-LICENSE.txt" { };
    giftware = spdx "Giftware" "Giftware License" { };
    gnuplot = spdx "gnuplot" "gnuplot License" { };
    gpl1Only = spdx "GPL-1.0-only" "GNU General Public License v1.0 only" { };
    gpl1Plus = spdx "GPL-1.0-or-later" "GNU General Public License v1.0 or later" { };
    gpl2 = spdx "GPL-2.0" "GNU General Public License v2.0" { deprecated = true; };
    gpl2Only = spdx "GPL-2.0-only" "GNU General Public License v2.0 only" { };
    gpl2Plus = spdx "GPL-2.0-or-later" "GNU General Public License v2.0 or later" { };
    gpl3 = spdx "GPL-3.0" "GNU General Public License v3.0" { deprecated = true; };
    gpl3Only = spdx "GPL-3.0-only" "GNU General Public License v3.0 only" { };
    gpl3Plus = spdx "GPL-3.0-or-later" "GNU General Public License v3.0 or later" { };
    hl3 = named "Hippocratic License v3.0" "https://firstdonoharm.dev/version/3/0/core.txt" { free = false; redistributable = true; };
    hpnd = spdx "HPND" "Historic Permission Notice and Disclaimer" { };
    hpndDec = spdx "HPND-DEC" "Historical Permission Notice and Disclaimer - DEC variant" { };
    hpndDifferentDisclaimer = named "HPND with different disclaimer" "https://gitlab.freedesktop.org/xorg/proto/xorgproto/-/blob/1914233e662d23ffb3812b80fadd0bbd064ad91c/COPYING-x11proto#L69-88" { };
    hpndDoc = spdx "HPND-doc" "Historical Permission Notice and Disclaimer - documentation variant" { };
    hpndDocSell = spdx "HPND-doc-sell" "Historical Permission Notice and Disclaimer - documentation sell variant" { };
    hpndSellVariant = spdx "HPND-sell-variant" "Historical Permission Notice and Disclaimer - sell variant" { };
    hpndSellVariantMitDisclaimerXserver = spdx "HPND-sell-MIT-disclaimer-xserver" "Historical Permission Notice and Disclaimer - sell xserver variant with MIT disclaimer" { };
    hpndSellVariantSafetyClause = spdx "HPND-sell-variant-critical-systems" "HPND - sell variant with safety critical systems clause" { };
    hpndUc = spdx "HPND-UC" "Historical Permission Notice and Disclaimer - University of California variant" { };
    hyphenBulgarian = spdx "hyphen-bulgarian" "hyphen-bulgarian License" { };
    iasl = spdx "Intel-ACPI" "Intel ACPI Software License Agreement" { };
    icu = spdx "ICU" "ICU" { };
    ijg = spdx "IJG" "Independent JPEG Group License" { };
    imagemagick = spdx "ImageMagick" "ImageMagick License" { };
    imlib2 = spdx "Imlib2" "Imlib2 License" { };
    info-zip = spdx "Info-ZIP" "Info-ZIP License" { };
    inria-compcert = named "INRIA Non-Commercial License Agreement for the CompCert verified compiler" "https://compcert.org/doc/LICENSE.txt" { free = false; };
    inria-icesl = named "End User License Agreement for IceSL Software" "https://icesl.loria.fr/assets/pdf/EULA_IceSL_binary.pdf" { free = false; };
    inria-zelus = named "INRIA Non-Commercial License Agreement for the Zélus compiler" "https://github.com/INRIA/zelus/raw/829f2b97cba93b0543a9ca0272269e6b8fdad356/LICENSE" { free = false; };
    intel-eula = named "Intel End User License Agreement for Developer Tools" "https://software.intel.com/sites/manageability/AMT_Implementation_and_Reference_Guide/WordDocuments/intelamtsdklicense.htm" { free = false; };
    interbase = spdx "Interbase-1.0" "Interbase Public License v1.0" { };
    ipa = spdx "IPA" "IPA Font License" { };
    ipl10 = spdx "IPL-1.0" "IBM Public License v1.0" { };
    isc = spdx "ISC" "ISC License" { };
    issl = named "Intel Simplified Software License" "https://software.intel.com/en-us/license/intel-simplified-software-license" { free = false; };
    json = spdx "JSON" "JSON License" { free = false; };
    knuth = spdx "Knuth-CTAN" "Knuth CTAN License" { };
    lal12 = spdx "LAL-1.2" "Licence Art Libre 1.2" { };
    lal13 = spdx "LAL-1.3" "Licence Art Libre 1.3" { };
    lens = named "Lens Terms of Service Agreement" "https://k8slens.dev/legal/tos" { free = false; };
    lgpl2 = spdx "LGPL-2.0" "GNU Library General Public License v2" { deprecated = true; };
    lgpl21 = spdx "LGPL-2.1" "GNU Lesser General Public License v2.1" { deprecated = true; };
    lgpl21Only = spdx "LGPL-2.1-only" "GNU Lesser General Public License v2.1 only" { };
    lgpl21Plus = spdx "LGPL-2.1-or-later" "GNU Lesser General Public License v2.1 or later" { };
    lgpl2Only = spdx "LGPL-2.0-only" "GNU Library General Public License v2 only" { };
    lgpl2Plus = spdx "LGPL-2.0-or-later" "GNU Library General Public License v2 or later" { };
    lgpl3 = spdx "LGPL-3.0" "GNU Lesser General Public License v3.0" { deprecated = true; };
    lgpl3Only = spdx "LGPL-3.0-only" "GNU Lesser General Public License v3.0 only" { };
    lgpl3Plus = spdx "LGPL-3.0-or-later" "GNU Lesser General Public License v3.0 or later" { };
    lgpllr = spdx "LGPLLR" "Lesser General Public License For Linguistic Resources" { };
    libpng = spdx "Libpng" "libpng License" { };
    libpng2 = spdx "libpng-2.0" "PNG Reference Library version 2" { };
    libtiff = spdx "libtiff" "libtiff License" { };
    liliq-p-11 = spdx "LiLiQ-P-1.1" "Licence Libre du Québec – Permissive version 1.1" { };
    llgpl21 = named "Lisp LGPL; GNU Lesser General Public License version 2.1 with Franz Inc. preamble for clarification of LGPL terms in context of Lisp" "https://opensource.franz.com/preamble.html" { };
    llvm-exception = spdx "LLVM-exception" "LLVM Exception" { };
    lpl-102 = spdx "LPL-1.02" "Lucent Public License v1.02" { };
    lppl1 = spdx "LPPL-1.0" "LaTeX Project Public License v1.0" { };
    lppl12 = spdx "LPPL-1.2" "LaTeX Project Public License v1.2" { };
    lppl13a = spdx "LPPL-1.3a" "LaTeX Project Public License v1.3a" { };
    lppl13c = spdx "LPPL-1.3c" "LaTeX Project Public License v1.3c" { };
    lsof = spdx "lsof" "lsof License" { };
    miros = spdx "MirOS" "MirOS License" { };
    mit = spdx "MIT" "MIT License" { };
    mit-cmu = spdx "MIT-CMU" "CMU License" { };
    mit-enna = spdx "MIT-enna" "enna License" { };
    mit-feh = spdx "MIT-feh" "feh License" { };
    mit-modern = spdx "MIT-Modern-Variant" "MIT License Modern Variant" { };
    mit0 = spdx "MIT-0" "MIT No Attribution" { };
    mitAdvertising = spdx "MIT-advertising" "Enlightenment License (e16)" { };
    mitOpenGroup = spdx "MIT-open-group" "MIT Open Group variant" { };
    mpich2 = spdx "mpich2" "mpich2 License" { };
    mpl10 = spdx "MPL-1.0" "Mozilla Public License 1.0" { };
    mpl11 = spdx "MPL-1.1" "Mozilla Public License 1.1" { };
    mpl20 = spdx "MPL-2.0" "Mozilla Public License 2.0" { };
    mplus = spdx "mplus" "M+ Font License" { };
    mspl = spdx "MS-PL" "Microsoft Public License" { };
    mulan-psl2 = spdx "MulanPSL-2.0" "Mulan Permissive Software License, Version 2" { };
    naist-2003 = spdx "NAIST-2003" "Nara Institute of Science and Technology License (2003)" { };
    nasa13 = spdx "NASA-1.3" "NASA Open Source Agreement 1.3" { free = false; };
    ncbiPd = spdx "NCBI-PD" "NCBI Public Domain Notice" { free = false; };
    ncsa = spdx "NCSA" "University of Illinois/NCSA Open Source License" { };
    ncul1 = spdx "NCUL1" "Netdata Cloud UI License v1.0" { free = false; redistributable = true; };
    netboxLimitedUse = named "NetBox Limited Use License 1.0" "https://github.com/netboxlabs/netbox-branching/blob/8465b9aee69ded23930cfe1a522695bfb8955a5a/LICENSE.md" { free = false; };
    ngpl = spdx "NGPL" "Nethack General Public License" { };
    nistSoftware = spdx "NIST-Software" "NIST Software License" { };
    nlpl = spdx "NLPL" "No Limit Public License" { };
    nposl3 = spdx "NPOSL-3.0" "Non-Profit Open Software License 3.0" { };
    ntp = spdx "NTP" "NTP License" { };
    nvidiaCuda = named "CUDA Toolkit End User License Agreement (EULA)" "https://docs.nvidia.com/cuda/eula/index.html#cuda-toolkit-supplement-license-agreement" { shortName = "CUDA EULA"; free = false; };
    nvidiaCudaRedist = named "CUDA Toolkit End User License Agreement (EULA)" "https://docs.nvidia.com/cuda/eula/index.html#cuda-toolkit-supplement-license-agreement" { shortName = "CUDA EULA"; free = false; redistributable = true; };
    obsidian = named "Obsidian End User Agreement" "https://obsidian.md/eula" { free = false; };
    ocamlLgplLinkingException = spdx "OCaml-LGPL-linking-exception" "OCaml LGPL Linking Exception" { };
    ocamlpro_nc = named "OCamlPro Non Commercial license version 1" "https://alt-ergo.ocamlpro.com/http/alt-ergo-2.2.0/OCamlPro-Non-Commercial-License.pdf" { free = false; };
    odbl = spdx "ODbL-1.0" "Open Data Commons Open Database License v1.0" { };
    ofl = spdx "OFL-1.1" "SIL Open Font License 1.1" { };
    oml = spdx "OML" "Open Market License" { };
    openldap = spdx "OLDAP-2.8" "Open LDAP Public License v2.8" { };
    openssl = spdx "OpenSSL" "OpenSSL License" { };
    opubl = spdx "OPUBL-1.0" "Open Publication License v1.0" { };
    osl2 = spdx "OSL-2.0" "Open Software License 2.0" { };
    osl21 = spdx "OSL-2.1" "Open Software License 2.1" { };
    osl3 = spdx "OSL-3.0" "Open Software License 3.0" { };
    paratype = spdx "ParaType-Free-Font-1.3" "ParaType Free Font Licensing Agreement v1.3" { };
    parity70 = spdx "Parity-7.0.0" "Parity Public License 7.0.0" { };
    php301 = spdx "PHP-3.01" "PHP License v3.01" { };
    postgresql = spdx "PostgreSQL" "PostgreSQL License" { };
    postman = named "Postman EULA" "https://www.getpostman.com/licenses/postman_base_app" { free = false; };
    prosperity30 = named "Prosperity-3.0.0" "https://prosperitylicense.com/versions/3.0.0.html" { free = false; };
    psfl = spdx "Python-2.0" "Python Software Foundation License version 2" { };
    publicDomain = named "Public Domain" null { };
    qhull = spdx "Qhull" "Qhull License" { };
    qpl = spdx "QPL-1.0" "Q Public License 1.0" { };
    qwtException = spdx "Qwt-exception-1.0" "Qwt exception 1.0" { };
    ruby = spdx "Ruby" "Ruby License" { };
    sendmail = spdx "Sendmail" "Sendmail License" { };
    sfl = named "Source First License 1.1" "https://gitlab.futo.org/videostreaming/grayjay/-/blob/master/LICENSE.md" { free = false; redistributable = true; };
    sgi-b-20 = spdx "SGI-B-2.0" "SGI Free Software License B v2.0" { };
    sgmlug = spdx "SGMLUG-PM" "SGMLUG Parser Materials License" { };
    sissl11 = spdx "SISSL" "Sun Industry Standards Source License 1.1" { };
    sleepycat = spdx "Sleepycat" "Sleepycat License" { };
    smail = spdx "SMAIL-GPL" "SMAIL General Public License" { };
    smlnj = spdx "SMLNJ" "Standard ML of New Jersey License" { };
    sspl = spdx "SSPL-1.0" "Server Side Public License" { free = false; redistributable = true; };
    stk = named "Synthesis Tool Kit 4.3" "https://github.com/thestk/stk/blob/master/LICENSE" { };
    sudo = named "Sudo License (ISC-style)" "https://www.sudo.ws/about/license/" { };
    sustainableUse = spdx "SUL-1.0" "Sustainable Use License" { free = false; };
    tcltk = spdx "TCL" "TCL/TK License" { };
    tcpWrappers = spdx "TCP-wrappers" "TCP Wrappers License" { };
    teamspeak = named "Teamspeak client license" "https://www.teamspeak.com/en/privacy-and-terms/" { free = false; redistributable = true; };
    tekHvcLicense = spdx "TekHVC" "TekHVC License" { };
    torque11 = spdx "TORQUE-1.1" "TORQUE v2.5+ Software License v1.1" { };
    tost = spdx "Pixar" "Tomorrow Open Source Technology License 1.0" { };
    tsl = named "Timescale License Agreement" "https://github.com/timescale/timescaledb/blob/main/tsl/LICENSE-TIMESCALE" { shortName = "TSL"; free = false; };
    ubdlException = spdx "UBDL-exception" "Unmodified Binary Distribution exception" { };
    ucd = named "Unicode Character Database License" "https://fedoraproject.org/wiki/Licensing:UCD" { };
    ufl = spdx "Ubuntu-font-1.0" "Ubuntu Font License 1.0" { };
    unfree = named "Unfree" null { free = false; };
    unfreeRedistributable = named "Unfree redistributable" null { free = false; redistributable = true; };
    unfreeRedistributableFirmware = named "Unfree redistributable firmware" null { };
    unicode-30 = spdx "Unicode-3.0" "Unicode License v3" { };
    unicode-dfs-2015 = spdx "Unicode-DFS-2015" "Unicode License Agreement - Data Files and Software (2015)" { };
    unicode-dfs-2016 = spdx "Unicode-DFS-2016" "Unicode License Agreement - Data Files and Software (2016)" { };
    unicodeTOU = spdx "Unicode-TOU" "Unicode Terms of Use" { };
    universalFOSSException-10 = spdx "Universal-FOSS-exception-1.0" "Universal FOSS Exception, Version 1.0" { };
    unlicense = spdx "Unlicense" "The Unlicense" { };
    upl = spdx "UPL-1.0" "Universal Permissive License" { };
    vim = spdx "Vim" "Vim License" { };
    virtualbox-puel = named "Oracle VM VirtualBox Extension Pack Personal Use and Evaluation License (PUEL)" "https://www.virtualbox.org/wiki/VirtualBox_PUEL" { free = false; };
    vol-sl = named "Volatility Software License, Version 1.0" "https://www.volatilityfoundation.org/license/vsl-v1.0" { };
    vsl10 = spdx "VSL-1.0" "Vovida Software License v1.0" { };
    w3c = spdx "W3C" "W3C Software Notice and License" { };
    w3c-19980720 = spdx "W3C-19980720" "W3C Software Notice and License (1998-07-20)" { };
    wadalab = named "Wadalab Font License" "https://fedoraproject.org/wiki/Licensing:Wadalab?rd=Licensing/Wadalab" { };
    watcom = spdx "Watcom-1.0" "Sybase Open Watcom Public License 1.0" { free = false; redistributable = true; };
    wtfpl = spdx "WTFPL" "Do What The F*ck You Want To Public License" { };
    wxWindowsException31 = spdx "WxWindows-exception-3.1" "wxWindows Library Licence, Version 3.1" { };
    x11 = spdx "X11" "X11 License" { };
    x11BsdClause = named "X11 License with third BSD clause" "https://gitlab.freedesktop.org/xorg/driver/xf86-video-geode/-/blob/d147c3f1b6907ae9db6f12853cedd450537d99d2/COPYING" { };
    x11NoPermitPersons = spdx "X11-no-permit-persons" "X11 no permit persons clause" { };
    xerox = spdx "Xerox" "Xerox License" { };
    xfig = spdx "Xfig" "xfig" { };
    xinetd = spdx "xinetd" "xinetd License" { };
    xskat = spdx "XSkat" "XSkat License" { };
    zlib = spdx "Zlib" "zlib License" { };
    zpl20 = spdx "ZPL-2.0" "Zope Public License 2.0" { };
    zpl21 = spdx "ZPL-2.1" "Zope Public License 2.1" { };
  }
// operators // helpers
