/**
 * US area codes → the IANA zones their territory covers. An area code listed under two zones
 * spans a zone boundary (the dial must suit both). Codes missing here are treated as unknown: the
 * number could be in any US zone. Data, not logic: extend it as area codes are added.
 */
const byZone: Readonly<Record<string, string>> = {
  'America/New_York':
    '270 812 906 201 202 203 207 212 215 216 220 223 229 231 234 239 240 248 252 267 269 272 276 301 302 304 305 313 315 317 321 324 326 330 332 336 339 340 347 351 352 380 386 401 404 407 410 412 413 419 423 434 440 443 445 448 463 470 475 478 484 508 513 516 517 518 540 551 561 567 570 571 585 586 603 607 609 610 614 616 617 631 640 646 656 667 678 680 681 686 689 703 704 706 716 717 718 724 727 728 732 734 740 743 754 757 762 765 770 772 774 781 786 802 803 804 810 813 814 828 838 839 843 845 848 850 854 856 857 859 860 862 863 864 865 878 904 908 910 912 914 917 919 929 930 934 937 941 947 954 959 973 978 980 984 989',
  'America/Chicago':
    '205 210 214 217 218 219 224 225 228 251 254 256 262 270 281 309 312 314 316 318 319 320 331 334 337 346 361 364 402 405 409 414 417 423 430 432 447 464 469 479 501 504 507 512 515 531 534 539 563 573 580 601 605 608 612 615 618 620 630 636 641 651 660 662 682 701 708 712 713 715 726 731 737 763 769 773 779 785 806 812 815 816 817 830 832 847 850 870 872 901 903 906 913 918 920 931 936 940 945 952 956 972 979',
  'America/Denver': '208 303 307 385 406 435 505 541 575 605 701 719 720 785 801 915 970 983 986',
  'America/Phoenix': '480 520 602 623 928',
  'America/Los_Angeles':
    '206 208 209 213 253 279 310 323 341 350 360 408 415 424 425 442 458 509 510 530 541 559 562 564 619 626 628 650 657 661 669 702 707 714 725 747 760 775 805 818 820 831 840 858 909 916 925 949 951 971',
  'America/Anchorage': '907',
  'Pacific/Honolulu': '808',
  'America/Puerto_Rico': '787 939',
};

/** Where an area code is unknown: every zone a US number may be in. */
export const allUsZones: readonly string[] = Object.keys(byZone);

export const nanpZones: ReadonlyMap<string, readonly string[]> = (() => {
  const map = new Map<string, string[]>();
  for (const [zone, codes] of Object.entries(byZone)) {
    for (const code of codes.split(' ')) map.set(code, [...(map.get(code) ?? []), zone]);
  }
  return map;
})();

/**
 * Regions (ISO 3166) outside the NANP → every zone a number of theirs may be in. Regions not listed
 * are unknown. A region with several zones gives no zone by itself: a wrong zone would let a call
 * through at night, so such a lead needs a zone from its own data.
 */
export const regionZones: Readonly<Record<string, readonly string[]>> = {
  CN: ['Asia/Shanghai'],
  HK: ['Asia/Hong_Kong'],
  MO: ['Asia/Macau'],
  TW: ['Asia/Taipei'],
  SG: ['Asia/Singapore'],
  JP: ['Asia/Tokyo'],
  KR: ['Asia/Seoul'],
  IN: ['Asia/Kolkata'],
  GB: ['Europe/London'],
  GG: ['Europe/Guernsey'],
  JE: ['Europe/Jersey'],
  IM: ['Europe/Isle_of_Man'],
  IE: ['Europe/Dublin'],
  FR: ['Europe/Paris'],
  DE: ['Europe/Berlin'],
  ES: ['Europe/Madrid', 'Atlantic/Canary'],
  AU: ['Australia/Perth', 'Australia/Darwin', 'Australia/Adelaide', 'Australia/Brisbane', 'Australia/Sydney'],
  CA: [
    'America/St_Johns',
    'America/Halifax',
    'America/Toronto',
    'America/Winnipeg',
    'America/Regina',
    'America/Edmonton',
    'America/Vancouver',
  ],
  MX: ['America/Cancun', 'America/Mexico_City', 'America/Mazatlan', 'America/Tijuana'],
  MY: ['Asia/Kuala_Lumpur'],
  TH: ['Asia/Bangkok'],
  VN: ['Asia/Ho_Chi_Minh'],
  PH: ['Asia/Manila'],
  AE: ['Asia/Dubai'],
  IT: ['Europe/Rome'],
  NL: ['Europe/Amsterdam'],
  BE: ['Europe/Brussels'],
  CH: ['Europe/Zurich'],
  AT: ['Europe/Vienna'],
  PL: ['Europe/Warsaw'],
  SE: ['Europe/Stockholm'],
  NO: ['Europe/Oslo'],
  DK: ['Europe/Copenhagen'],
  FI: ['Europe/Helsinki'],
  NZ: ['Pacific/Auckland'],
};

/** The region's zone when it has exactly one; empty otherwise (several, or unknown). */
export function singleZoneOf(region: string): string {
  const zones = regionZones[region];
  return zones?.length === 1 ? zones[0]! : '';
}
