select '🎉' as party, '👍🏽' as skin, '👨‍👩‍👧' as family, '❤️' as heart, 'x' as x;
select 'a' || U&'\200B' || 'b' as zwsp, 'soft' || U&'\00AD' || 'hyphen' as shy, 'ก่' as thai, '가' as jamo;
select '中文' as "中", 'ａｂｃ' as fullwidth, '½' as frac, 'Ω' as omega, 'ß' as sharp;
select U&'\FEFF' as bom_char, U&'\2028' as line_sep, U&'\00A0' as nbsp, U&'\E000' as private_use;
select '日本語' as wide, nosuch;
select 'é' || U&'\0301' || U&'\0301' as stacked, 'e' || U&'\20DD' as enclosing;
select '🎉 ' || nosuch;
