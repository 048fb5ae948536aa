"""How common each word is in bill titles and descriptions: the matcher indexes rare words.

Documents per 100,000 bills containing the word, for the 2432 words found in at least 0.1% of
274,463 bills (title and description) of the LegiScan datasets in ../shared/corpus (CC BY 4.0,
LegiScan LLC). Words not listed are rarer than that. Regenerate with
``python benchmarks/rules.py --write-term-frequency``.
"""

from __future__ import annotations

_TABLE = """
and:55139 of:54244 to:45280 for:42822 the:42121 a:34244 in:23047 an:19848 act:16478 state:16039
or:16019 relating:15867 other:15725 on:14979 by:13689 purposes:13347 certain:13344 that:13124
as:12914 be:11479 provide:11262 from:10638 resolution:10573 with:10291 amends:10116 mcl:9979 pa:9883
requiring:8233 public:8216 etc:8138 tax:7673 sec:7665 county:7141 1:7138 related:6915
department:6885 health:6801 s:6799 program:6774 providing:6551 under:6488 appropriation:6215
specified:6194 effective:6153 code:5976 bill:5965 provided:5860 repeal:5837 money:5783 services:5736
school:5733 education:5691 laws:5637 amend:5470 law:5466 is:5417 board:5378 requirements:5366
provisions:5143 use:5020 funding:5009 appropriated:4990 authorizing:4855 at:4779 not:4666
emergency:4652 georgia:4626 entitled:4618 date:4524 conflicting:4513 fund:4487 commending:4374
so:4343 general:4332 matters:4257 title:4206 requirement:4058 property:3905 recognizing:3899
report:3832 establishing:3823 required:3822 grant:3745 may:3691 day:3689 care:3656 official:3467
who:3452 circumstances:3406 local:3394 2:3386 service:3315 declaring:3285 maryland:3275
requires:3222 commission:3116 annotated:3102 year:3094 concerning:2936 secs:2930 chapter:2912
authority:2911 commend:2872 information:2857 person:2855 income:2833 criminal:2783 assembly:2750
legislative:2738 development:2692 include:2682 bar:2672 prohibiting:2644 years:2640 require:2632
tie:2596 are:2588 community:2566 altering:2555 license:2549 system:2524 if:2523 insurance:2517
after:2515 section:2502 modified:2431 which:2421 issue:2421 study:2408 before:2390 adding:2386
than:2378 safety:2373 credit:2367 000:2342 issued:2327 any:2326 medical:2294 subject:2283 used:2283
new:2266 oregon:2266 government:2256 recognize:2246 construction:2245 3:2236 vehicle:2210 court:2195
declares:2177 child:2140 establishment:2116 business:2115 each:2091 individual:2079 bonds:2077
assistance:2069 employees:2065 bond:2022 exemption:2014 enforcement:2009 amount:2007 january:2005
establish:2002 5:1996 federal:1980 directs:1977 regarding:1973 no:1969 sales:1962 definition:1960
city:1959 15:1955 programs:1943 district:1942 make:1921 fees:1914 creates:1908 time:1890 effect:1874
office:1868 minnesota:1852 modification:1842 established:1835 within:1834 civil:1833 schools:1829
committee:1821 facilities:1821 penalties:1813 authorization:1789 members:1771 hb:1768 such:1750
article:1736 michigan:1720 administration:1716 its:1710 individuals:1701 making:1693 water:1692
governor:1689 facility:1688 all:1687 procedure:1678 passage:1659 persons:1656 funds:1652
prescribing:1652 financial:1640 election:1638 against:1634 modify:1634 loan:1632 prohibition:1627
center:1625 transportation:1621 resources:1614 authorized:1608 provision:1608 protection:1607
definitions:1602 provides:1587 plan:1584 allow:1582 4:1578 submit:1577 creation:1573 employment:1554
sale:1547 special:1546 create:1544 10:1542 motor:1541 revenue:1540 capital:1539 human:1530
following:1522 amending:1513 vehicles:1497 7:1496 procedures:1487 6:1487 july:1481 training:1467
has:1454 management:1450 housing:1440 student:1440 et:1435 honoring:1433 children:1430 seq:1426
based:1425 takes:1425 life:1423 grants:1422 score:1413 annual:1411 technical:1410 notice:1410
december:1407 districts:1407 agency:1401 high:1398 l:1396 when:1395 adds:1395 registration:1394
located:1382 adjournment:1382 p:1382 30:1381 fee:1377 prohibit:1376 revise:1375 readability:1372
flesch:1371 application:1364 senate:1356 rights:1350 die:1349 duties:1348 31:1348 regulations:1345
appropriations:1345 retirement:1344 standards:1343 sine:1339 increase:1338 have:1338 council:1335
proceeds:1330 compensation:1328 states:1322 benefits:1320 budget:1316 review:1316 beginning:1313
91st:1304 agencies:1303 elections:1303 during:1303 regulation:1300 purpose:1295 eligibility:1288
debt:1286 2024:1279 payment:1274 rules:1272 support:1270 officers:1268 reporting:1261 students:1259
labor:1255 repealing:1246 changes:1245 rate:1239 access:1237 conduct:1233 fiscal:1233 family:1230
natural:1229 energy:1228 veterans:1226 land:1225 modifications:1222 process:1221 adopt:1220
findings:1210 committees:1196 improvement:1195 into:1193 highway:1186 treatment:1181 part:1181
house:1179 through:1176 united:1172 transfer:1171 action:1170 home:1167 made:1164 their:1158
taxes:1152 including:1151 crime:1150 451:1146 more:1144 planning:1137 mental:1136 control:1135
8:1131 exceed:1131 employee:1129 recommendations:1129 2023:1128 add:1126 records:1124
conditions:1122 crimes:1121 shall:1118 policy:1117 higher:1115 officer:1114 term:1111 12:1109
data:1107 costs:1102 this:1101 period:1100 change:1100 amendment:1098 pay:1090 sb:1087 moneys:1082
20:1080 licenses:1080 personal:1080 residential:1076 order:1076 days:1066 connection:1066
establishes:1060 project:1054 economic:1043 number:1037 coverage:1036 real:1031 approved:1030
september:1027 governing:1027 projects:1025 member:1024 licensing:1023 permit:1022 force:1022
actions:1019 approval:1017 violation:1016 develop:1014 march:1013 aid:1012 interim:1011
commissioner:1007 renovation:1007 matching:1007 2020:1007 eligible:1006 prohibited:1000 private:998
2025:995 least:991 first:978 constitution:975 11:975 baltimore:975 age:975 counties:970
disbursement:969 university:966 9:965 finance:963 applying:959 creating:958 congratulating:957
secretary:956 work:952 penalty:951 design:950 without:949 police:943 one:943 electronic:942
repair:941 institutions:939 national:933 18:930 limits:929 systems:927 authorizes:927 qualified:925
21:923 2018:923 organizations:921 reports:919 taxation:916 security:916 pennsylvania:914 2022:912
capitol:910 2021:909 month:908 june:906 consumer:905 practices:904 directors:899 16:897
administrative:896 licensed:896 inc:890 cost:886 class:885 environmental:881 expend:878 allows:878
his:878 1976:874 19:872 additional:872 further:872 maximum:871 issuance:870 permits:870 2019:870
attorney:870 grantee:869 expenses:866 association:865 contract:863 benefit:862 contracts:861
account:861 later:859 2016:857 increasing:850 right:846 terms:846 liability:845 plans:842
amended:841 upon:841 authorize:837 2017:836 manner:833 correction:830 membership:830 sunsets:827
entities:826 500:825 14:825 distribution:821 13:819 memory:818 apply:817 therewith:817 providers:812
task:811 2015:811 being:810 limitations:810 advisory:808 request:808 statutes:805 february:803
exemptions:802 reimbursement:802 assessment:800 disclosure:799 prohibits:799 municipal:798
minimum:796 powers:794 violations:792 25:790 repeals:789 acquisition:788 division:787 building:787
enact:786 area:784 award:780 products:778 college:777 reconstruction:775 only:774 awareness:774
beverages:773 known:768 out:768 practice:765 c:764 available:761 drug:759 st:758 military:758
activities:757 alcoholic:757 teacher:755 policies:751 1978:749 receiving:747 must:747 food:746
kansas:743 limit:741 financing:740 rates:740 take:736 pilot:736 declare:730 improvements:726
site:725 liquor:723 paid:721 interest:720 infrastructure:719 sexual:718 organization:717 youth:715
corporation:715 17:714 commissioners:713 prevention:710 receive:709 equipping:706 quality:705
unless:704 boards:703 credits:703 offenses:700 allowed:697 sunset:692 april:691 333:691
appropriates:691 professional:690 taxable:690 equipment:690 body:687 employer:684 300:684
allowing:682 commercial:681 expansion:680 technology:680 2026:680 purchase:679 contributions:677
trust:676 unit:675 1994:675 provider:674 educational:673 collection:673 specifying:672 fire:672
park:669 operation:667 consolidated:666 abuse:666 condolences:666 electric:662 prior:660 workers:657
50:657 implement:656 regional:655 does:654 licensure:654 206:654 applicability:650 received:650
memorial:648 driver:646 ga:646 agriculture:642 payments:638 guidelines:633 ch:633 proposed:631
social:629 1949:628 owned:627 relative:625 expenditures:625 statewide:625 agreement:623 charter:623
congress:622 maintenance:622 investment:620 small:620 current:620 nonprofit:620 firearms:620
sentencing:620 2013:619 applies:619 two:618 exception:618 368:616 24:614 limited:614 voting:612
48:612 extension:610 reduction:610 filing:610 lottery:609 makes:609 certification:608 road:608 g:607
324:607 2014:605 independent:604 justice:602 courts:601 occupations:601 been:600 using:599 party:598
value:598 statute:596 environment:596 between:594 judicial:592 agricultural:589 certificate:589
supplemental:589 it:588 o:586 modifies:583 businesses:582 100:581 deadline:580 american:579
death:579 executive:579 traffic:579 owner:578 23:578 written:577 exceptions:577 constitutional:576
corrections:575 agreements:574 termination:572 political:572 director:571 offense:570 dates:570
increased:568 exempt:568 october:568 restrictions:563 utilities:563 created:563 adoption:561
operating:561 short:557 joint:556 increases:555 compliance:555 record:554 another:553 list:552
identification:551 file:551 representatives:550 evidence:549 criteria:549 hearing:548 entity:547
areas:544 1927:543 disabilities:540 alternative:539 claims:539 up:536 personnel:535 28:535
disability:535 but:535 expenditure:534 maintain:534 group:532 team:531 380:531 over:530 early:529
revenues:527 about:526 conservation:525 week:525 implementation:524 proposing:523 possession:522
sections:522 257:521 legal:518 juvenile:516 voter:516 imposed:514 jurisdiction:510 hours:509
correctional:508 employers:507 applicant:507 limitation:506 participation:505 obtain:505
corporations:504 temporary:502 appointment:499 open:496 george:496 teachers:495 collected:494
people:493 ballot:493 expand:492 175:489 assessments:488 campaign:487 devices:486 proceedings:484
primary:483 corporate:483 meet:483 adult:482 administer:481 was:481 relief:481 determine:481
firearm:480 lake:477 waiver:475 anniversary:474 prescription:473 designate:473 rule:471 per:471
existing:470 materials:469 gas:469 research:469 consent:468 company:467 estate:465 automatic:463
250:463 release:460 performance:460 place:460 while:460 prince:460 appropriate:459 certified:459
i:459 40:458 registered:456 controlled:456 2012:455 eliminate:454 do:454 centers:452 outstanding:452
units:451 fine:451 petition:451 subtraction:450 workforce:450 cities:450 due:450 wage:447 three:447
post:446 colorado:446 charge:446 form:445 nursing:444 violence:442 would:440 1967:440 vote:439
retail:438 sell:437 parent:436 impact:434 history:434 qualifications:433 companies:433 premises:432
holder:432 women:432 whether:431 hospital:430 applicable:428 same:428 legislature:427 utility:426
uniform:426 domestic:426 designated:425 address:425 drugs:424 status:423 specifies:423
regulatory:423 will:420 regular:419 long:417 transit:417 less:417 amounts:417 removal:416 uses:416
except:416 participate:416 driving:415 trade:415 testing:415 recovery:415 low:415 direct:414
transfers:414 substance:414 125:414 2010:413 failure:413 voters:412 affairs:412 colleges:412
accordance:412 buildings:411 mandatory:411 procurement:411 free:411 amendments:410 patient:410
notification:410 281:410 necessary:410 60:409 rural:407 percent:406 fair:405 instruction:405
five:404 sex:403 risk:403 victim:403 convicted:402 ensure:402 insurers:400 residents:400 750:400
animal:400 ii:399 disabled:399 annually:399 secondary:398 plates:398 renewal:398 bridge:398 2011:397
u:396 claim:396 reference:396 peace:396 her:395 welfare:394 standard:394 institution:393 1956:393
third:392 language:392 enter:392 statement:392 continuation:391 rejection:391 impose:391 custody:391
remove:391 clarify:391 website:390 portion:390 extending:390 involving:389 statutory:389 update:389
assault:385 meetings:384 device:384 intent:383 urge:382 offer:381 metropolitan:381 218:380 minor:380
safe:380 response:380 clarifying:379 physical:379 comply:379 session:379 determination:379 off:377
victims:376 power:376 paul:376 1931:375 name:375 duty:374 industry:374 full:373 river:373 328:373
measures:372 results:371 replacement:371 regulated:371 expanding:370 trail:369 imposition:369
occasion:369 116:369 unlawful:368 charges:368 percentage:368 total:368 generally:368 urging:368
set:368 cause:368 serve:368 carry:367 judge:367 references:365 1939:365 designating:365 commerce:365
levy:364 homes:363 orders:363 2027:363 94:362 imprisonment:361 36:361 236:361 learning:361
return:361 expanded:360 condition:359 imposing:359 alcohol:359 wine:359 waste:358 receipts:357
consultation:357 referendum:356 commencing:356 evaluation:356 staff:356 operations:355 equal:354
injury:353 600:353 notify:352 concurrent:352 governments:352 owners:351 designation:351
composition:351 communities:351 discrimination:351 pension:350 weapons:350 level:350 foster:349
damages:349 officials:349 marijuana:349 exempting:349 highways:348 35:348 continuing:347 acts:347
also:347 veteran:346 reasonable:346 final:345 miscellaneous:345 tells:345 homestead:344 loans:344
encumbrance:344 1101:344 1961:343 course:342 delivery:342 art:342 reduce:341 defining:341
hunting:341 second:340 fuel:340 air:340 lease:340 inspection:339 president:339 both:338
behavioral:338 star:338 22:338 consider:338 montgomery:337 farm:335 monitoring:335 single:335
beer:335 storage:334 living:334 substances:333 777:332 operate:332 51:332 205:331 location:331
determining:331 zero:329 contribution:329 calculation:329 until:328 biennial:327 b:327 held:326
november:326 register:325 elected:325 excluding:325 388:324 comptroller:324 omnibus:324
conviction:324 representative:323 renewable:322 applications:322 judges:322 investigation:322
opportunity:322 clean:322 resident:322 case:322 rental:321 submission:321 where:321 families:321
oversight:321 assist:321 27:320 parks:320 basis:320 complete:320 becomes:320 washington:319
extended:319 extend:319 specific:318 anne:318 degree:318 production:317 dental:317 issues:316
adopted:316 physician:315 career:315 communications:315 168:315 covid:314 included:314
legislation:314 identify:313 enrollment:313 1954:312 fish:312 need:312 activity:312 honor:311
lands:311 every:310 tenant:310 academic:309 elementary:309 virginia:309 placement:308 result:308
arts:308 municipalities:308 documents:308 offenders:307 online:307 animals:306 101:306 wildlife:305
bk:305 unemployment:303 relations:303 limiting:303 price:302 trustees:302 restoration:302
defense:302 present:302 staffing:301 selling:301 winning:301 disease:301 pharmacy:301 taking:301
tuition:301 method:300 championship:300 cases:299 governmental:299 defendant:299 next:299 dr:299
hold:299 card:299 ad:299 offender:298 appropriating:298 those:298 landlord:298 filed:297
permanent:297 market:296 leave:296 applicants:296 sports:296 211:296 gaming:295 preservation:295
sharing:295 ownership:294 defined:294 commonwealth:293 salary:293 committed:293 option:293 chief:292
collect:292 65:292 operative:291 mr:290 industrial:290 recreation:290 tobacco:289 minors:289
cannabis:289 recognition:288 former:288 parents:287 includes:287 line:287 mayor:287 plate:287
working:287 associations:286 abortion:286 authorities:286 circuit:286 xvii:286 universities:286
equity:286 substitute:286 event:285 gross:285 accounts:284 certificates:284 immediately:284
savings:284 comprehensive:282 33:282 covered:282 serving:282 perform:282 needs:282 zone:281
associated:281 felony:281 rail:281 consumption:281 26:281 clarified:279 75:279 sentence:278
judiciary:278 allocation:278 video:278 otherwise:278 professions:278 contractors:277 bargaining:277
hygiene:277 interstate:277 solar:276 postsecondary:276 appointed:276 candidates:276 approve:275
self:275 immunity:274 grade:274 scholarship:274 particularly:274 celebrating:274 removes:274
majority:273 meeting:273 1979:273 minneapolis:273 curriculum:273 revisions:273 works:272
employed:271 methods:271 reform:271 gender:270 product:270 repealed:270 trunk:270 classification:270
hospitals:270 participating:269 valorem:269 professionals:269 capacity:268 insurer:268 45:268
400:268 best:268 affordable:267 trafficking:267 rehabilitation:266 arundel:266 registry:265
extends:265 resource:264 incentive:264 net:263 scope:263 foundation:263 speed:263 respect:263
1893:262 volunteer:262 61:262 prohibitions:261 heritage:261 conforming:260 m:260 submitted:260
appeals:259 growth:259 charged:259 reducing:259 historic:258 supervision:258 schedule:258
reserve:258 parole:258 audit:258 assessed:258 can:258 forest:257 refund:257 permitted:257
clarification:257 months:257 citizens:257 initiative:257 rulemaking:257 therapy:257 give:257
wages:256 examination:256 background:254 excise:252 job:252 screening:252 pursuant:252
qualifying:252 collective:251 dedicate:251 taxpayer:251 purchasing:251 protections:250 future:250
34:250 various:250 coordinating:248 09:248 deposit:247 probation:247 1998:247 greater:247
installation:247 parties:246 physicians:246 addition:246 improve:245 dwelling:245 offered:245
options:244 disposition:244 jr:244 common:244 test:244 wastewater:243 senior:243 residence:243
network:243 exclusion:243 drivers:242 penal:242 remedies:242 departments:242 electricity:241
international:241 candidate:241 zones:241 analysis:241 means:241 pollution:240 mail:240 check:240
central:240 patients:240 medicaid:240 dedicating:239 whose:239 1984:238 transferred:238 game:238
material:237 transparency:237 fines:236 how:236 exempts:236 honorable:235 guardian:235
alterations:235 38:235 measure:234 90:234 suspension:234 decision:234 regulate:234 courses:233
grand:233 contractor:233 internet:233 sewer:233 iii:232 developmental:232 worker:232 active:231
incurred:231 marriage:231 appoint:231 cancer:230 statements:230 inclusion:230 homeowners:229
appeal:229 misdemeanor:229 proceeding:229 recipients:229 hearings:229 ballots:229 good:229
supply:228 street:228 performing:228 ethics:227 communication:227 responsibilities:227 outside:227
partnership:227 29:227 end:226 allowance:226 chair:226 congratulate:225 occupational:225
enrolled:225 considered:225 bureau:224 protective:224 issuing:224 expands:224 museum:223
subsequent:223 encourage:223 types:223 notices:222 adults:222 basic:222 offices:222 model:222
earned:222 share:221 proof:221 sold:221 charging:221 licensee:221 branch:220 publish:220 science:220
mitigation:220 exchange:219 calendar:219 tribute:219 dangerous:219 cards:219 agent:219 indian:218
principal:218 rent:218 receipt:218 responsible:217 mortgage:217 availability:217 43:217 enacting:217
ex:216 requests:216 e:215 contact:215 religious:215 carrying:215 elimination:215 library:214
voluntary:214 incentives:214 280:214 retention:214 dealers:214 2009:214 disorder:213 recipient:213
selection:212 contracting:212 disclose:212 treasurer:212 population:212 exclude:212 rather:212
1852:212 adjustment:212 compact:212 opportunities:212 municipality:212 processing:211 california:211
responsibility:211 deduction:211 distribute:211 sources:210 reduced:210 cap:210 old:210 sheriff:209
recreational:209 operated:209 behalf:209 older:209 efforts:208 722:208 bus:208 implementing:208
respectively:208 grounds:207 childhood:207 recognized:207 digital:207 conducted:205 enterprise:205
urban:205 events:205 premium:205 probate:204 d:204 four:203 1980:203 loss:203 freedom:203
containing:202 200:201 town:201 recording:201 cash:201 receives:201 changed:201 station:201
entering:201 administered:200 complaint:200 setting:200 obligation:200 plant:199 supporting:199
oil:199 transactions:199 licensees:198 purchases:198 initial:198 cross:198 lead:198 birth:197
minority:197 identity:196 disposal:196 58:196 reflect:196 generation:195 accountability:195
parental:195 raising:195 obtaining:195 promote:195 contents:194 increment:194 distributed:194
enforce:194 determined:194 red:194 permitting:194 disclosures:193 nurse:193 advanced:193 north:193
theft:193 qualify:193 removing:193 investigations:193 spouse:193 protect:192 parking:192 fraud:192
ratification:192 administrator:192 commissions:192 bodies:192 2008:191 judgment:191 continue:191
mobile:190 way:190 submitting:189 attendance:189 cultural:189 green:188 prospectively:188 zoning:188
dealer:188 pass:188 copy:188 operator:188 obsolete:188 base:187 trial:187 multiple:187 frederick:187
25211:187 44:187 expiration:187 eliminated:187 thereafter:187 athletic:186 guard:186 436:186
defines:186 decisions:186 named:186 consideration:186 62:186 added:186 campus:185 conducting:185
boundaries:185 audits:185 foreign:185 iv:185 ordinance:184 sess:184 completion:184 manufacturer:184
transferring:184 prepare:184 emissions:183 position:183 privacy:183 periods:183 prospective:183
seek:183 content:182 redevelopment:182 meets:182 k:181 pupil:181 discipline:181 telephone:181
evaluate:181 foreclosure:180 arrest:180 discharge:180 42:180 island:179 false:179 customer:179
ability:179 resulting:179 disciplinary:179 assisted:179 superintendent:179 separate:178 funded:178
63:178 150:177 deductions:177 factors:177 august:177 offering:177 institute:176 seeking:176
potential:176 among:176 holders:176 changing:176 1937:176 efficiency:175 source:175 enhanced:175
functions:175 specify:175 standing:174 1974:174 places:174 innovation:174 2001:174 strategic:173
adjusted:173 crisis:173 electors:173 display:173 obligations:173 neglect:172 proposes:172
reimburse:172 publicly:172 examiners:172 leases:172 convention:172 john:172 jobs:172 leadership:172
revocation:171 excess:171 call:171 prevent:171 customers:171 possessing:170 j:170 thereof:170
knowingly:170 forms:170 clerk:170 taxpayers:170 lakes:170 manufactured:169 vulnerable:169
advertising:169 times:169 directly:169 space:169 formula:169 accept:169 lawful:169 goals:169 co:169
memorialize:169 manufacturers:168 mary:168 refundable:168 eagle:168 beverage:168 verification:168
academy:168 1972:168 performed:167 outreach:167 0:167 taken:167 scholarships:167 fishing:167
checks:166 exercise:166 preference:166 alleged:166 pg:166 locations:166 forfeiture:166 v:166
james:166 32:166 contain:166 prosecution:165 homeless:165 armed:165 convene:165 signs:165 refers:165
assets:164 goods:164 black:164 deputy:164 become:164 inspections:164 properties:164 commitment:164
positions:164 charitable:164 six:164 description:164 requesting:164 restriction:163 supplies:163
juveniles:163 damage:163 fault:163 placed:163 complaints:162 well:162 publication:162
representation:162 managers:162 charles:162 preparation:161 surcharge:161 transition:161 species:161
estates:161 residency:161 carriers:161 airport:160 roads:160 coordination:160 hall:160 granted:160
similar:160 atlanta:160 protected:160 database:160 items:160 industries:160 contingent:160
workgroup:160 handgun:160 waive:159 agents:159 transmission:158 railroad:158 investments:158
major:158 granting:158 previous:158 waters:157 threshold:157 graduation:157 manufacturing:157
consumers:157 flood:157 advance:157 interchange:157 were:157 assistant:156 settlement:156 forces:156
broadband:156 assistants:156 cooperative:156 engaging:156 bring:156 supreme:155 awarded:155
elect:155 search:155 deer:155 structure:154 disaster:154 literacy:154 passenger:154 punishes:154
insured:154 exceeding:154 opioid:154 counseling:153 carrier:153 investigate:153 critical:153
choice:153 subdivision:153 exclusive:153 revised:152 outdoor:152 removed:152 served:152 priority:152
immigration:152 69:152 subdivisions:152 regulating:152 ordinances:151 large:151 confidentiality:151
trusts:151 presumption:151 hour:151 unpaid:151 type:151 instead:151 warrant:150 bills:150
african:150 inmate:150 valid:150 dependent:150 solid:150 secure:150 light:150 concealed:149
manager:149 forfeited:149 township:149 some:149 awards:148 war:148 completed:148 convictions:148
extent:148 met:148 detention:147 examinations:147 drinking:147 prevailing:147 firefighters:147
clinical:147 club:147 sign:147 directed:146 girls:146 studies:146 legislators:146 engage:146
south:146 dogs:145 gambling:145 medicine:145 healthy:145 auditor:145 titles:145 asset:145
inmates:145 imposes:145 establishments:145 bank:145 tribal:145 franchise:145 because:145
restricted:144 media:144 operators:144 they:144 harassment:144 counsel:144 201:144 1933:144
privilege:144 duration:144 admission:144 49:144 declaration:143 exempted:143 unfair:143
intervention:143 holding:143 retired:142 delinquent:142 automated:142 lieu:142 nonpublic:142
posting:142 1951:142 start:142 assess:142 telecommunications:141 own:141 chesapeake:141
restitution:141 solely:141 digest:141 valuation:141 historical:141 redistricting:141 disorders:140
adjustments:140 engaged:140 37:140 2006:140 421:140 adopting:140 spouses:140 documentation:140
identifying:140 illness:140 experience:140 climate:140 hazardous:140 transport:140 east:140
determinations:139 collaboration:139 weight:139 66:139 execution:138 help:138 dispensing:138
william:138 exceeds:138 arizona:138 t:138 society:138 enhancement:138 bay:138 great:138
petitions:138 jury:138 rescue:138 dedicated:138 therefor:138 managed:137 47:137 facilitate:137
practitioners:137 world:137 watershed:137 superior:136 aggregate:136 sites:136 senator:136
levels:136 2a:136 duluth:136 conversion:136 stop:136 nurses:136 privileges:136 460:136 cover:136
lien:136 feasibility:136 80:135 recycling:135 computation:135 1001:135 suspend:135 howard:135
primaries:134 2007:134 relevant:134 vacancy:134 expense:134 racing:134 h:134 2000:134
expungement:134 431:134 8302:134 there:134 inviting:134 moratorium:133 liable:133 dog:133
surviving:133 passing:133 absentee:133 terminating:133 determines:133 clarifies:133 167:133 keep:133
abandoned:132 surplus:132 tenants:132 interests:132 condominium:131 ix:131 affected:131 sanitary:131
america:131 mc:131 stating:131 race:130 46:130 carroll:130 document:130 ending:130 phase:130
previously:130 allowable:130 developing:130 consistent:130 207:130 groups:129 church:129 entry:129
forestry:129 harford:129 average:129 heart:129 union:129 coordinated:129 causing:129 encouraging:129
445:129 pt:129 inclusions:129 actual:128 permission:128 attorneys:128 distributions:128 paying:128
accessible:128 carbon:128 middle:128 season:128 invite:128 vacancies:127 247:127 citizen:127
young:127 guilty:126 salaries:126 ghsa:126 teaching:126 influence:126 intersection:126 denial:126
supports:126 define:126 possess:126 ca:126 rhode:126 white:125 says:125 commemorate:125 attend:125
biennium:125 presence:125 ways:125 engineering:125 impaired:125 55:125 directing:125 hiring:124
skills:124 size:124 creek:124 valley:124 408:124 72:124 declared:124 hennepin:124 1965:123
refunds:123 games:123 41:123 90106:123 232:122 modifying:122 apprenticeship:122 processes:122
having:122 sustainable:122 f:122 recorded:122 involved:122 gun:121 ombudsman:121 send:121
congressional:121 preliminary:121 web:121 00:121 thomas:121 applied:121 citation:120 70:120 169:120
mining:120 specialty:120 basketball:120 prescribe:120 bicycle:120 travel:119 football:119 leased:119
4a:119 64:119 promotion:119 corridor:119 point:119 educator:119 donation:118 requested:118
conveyance:118 select:118 purchased:118 acting:118 retain:118 identified:118 fifths:118 pregnant:118
stabilization:118 spending:118 adverse:118 reason:118 hazard:118 141:118 prison:117 fails:117
writing:117 guardians:117 competitive:117 administering:117 automobile:116 lane:116 therapists:116
survey:116 incarceration:116 drive:116 deliver:116 1969:116 live:115 practitioner:115 whom:115
ramsey:115 proposals:115 appointments:115 lines:115 non:115 falls:115 causes:115 208:115 needed:115
boys:115 eliminates:115 elderly:115 healthcare:115 waivers:115 user:115 expressing:115 remain:115
classified:115 entered:115 groundwater:114 enacted:114 country:114 manufacture:114 tourism:114
optional:114 regard:114 injuries:114 lower:114 aviation:114 should:114 dakota:114 ma:114 serious:113
deed:113 delivered:113 impacts:113 obtained:113 internal:113 medication:113 generating:113 soil:113
prescribed:113 miles:113 288:113 english:113 pharmacists:113 given:113 sunday:113 scout:113
reconciliation:112 pretrial:112 michael:112 consult:112 ambulance:112 kindergarten:112 household:112
original:112 continued:112 chemical:112 52:112 incarcerated:112 field:112 found:112 immediate:111
progress:111 intended:111 committing:111 pupils:111 greenhouse:111 motion:111 67:111 finding:111
pregnancy:111 reductions:111 firefighter:111 educators:111 91:111 hire:111 eliminating:111
distributing:111 contains:111 containers:110 parenting:110 recommendation:110 violates:110 1953:110
accident:110 employ:110 contained:110 computer:110 relationship:110 back:110 funeral:109
terminate:109 homeowner:109 premiums:109 confidential:109 structures:109 length:109 master:109
blind:109 trails:109 reverend:109 returns:109 proposal:109 examine:109 equivalent:108 west:108
essential:108 grove:108 torts:108 sexually:108 339:108 deemed:108 sr:107 qualification:107
throughout:107 caused:107 repayment:107 shelter:107 r:107 1936:107 either:107 2028:107 autism:107
utilization:107 region:107 strategies:107 effectiveness:107 1966:107 merit:106 teams:106
informed:106 jurisdictions:106 fill:106 liens:106 prisoners:106 boundary:106 suicide:106
purchaser:106 laboratory:106 robert:106 awarding:106 inflation:106 advocacy:106 diversion:106
blood:105 derived:105 speech:105 our:105 sanctions:105 donations:105 entertainment:105 route:105
failing:105 leader:105 acquire:105 most:105 incorporate:105 delegation:105 inspector:105 updates:105
counselors:105 neutral:105 holiday:104 motorcycle:104 hemp:104 dedication:104 louis:104
prescribes:104 store:104 elements:104 reported:104 developed:104 deny:104 nutrition:103 patrol:103
pedestrian:103 machines:103 recover:103 filling:103 aircraft:103 closed:103 regardless:103 3a:103
sets:103 presidential:103 accommodations:103 wind:103 hunt:103 feet:103 1971:103 neighborhood:102
wireless:102 graduate:102 taxing:102 effects:102 southern:102 jackson:102 restrict:102 nuclear:102
missing:102 index:102 sewage:102 illegal:102 replace:102 improving:102 arising:102 updating:101
incorporated:101 organized:101 sufficient:101 thereto:101 1a:101 smith:101 polling:101
forgiveness:101 retailers:100 radio:100 111:100 near:100 390:100
"""

#: word -> bills per 100,000 that contain it (only words in at least 0.1% of bills)
FREQUENCY: dict[str, int] = {
    word: int(count) for word, count in (pair.split(":") for pair in _TABLE.split())
}

#: what an unlisted word counts as: rarer than every listed one
RARE = 50


def frequency(term: str) -> int:
    """Bills per 100,000 containing ``term`` (a folded word, or a prefix with its star)."""
    if term.endswith("*"):
        stem = term[:-1]
        return sum(count for word, count in FREQUENCY.items() if word.startswith(stem)) or RARE
    return FREQUENCY.get(term, RARE)
