/** The Holdings view's messages (web/src/views/holdings-view.ts), spread into each language's dictionary. */
export const holdingsEn = {
  "nav.holdings": "Holdings",
  "holdings.title": "Holdings on public chains",
  "holdings.noTrustRoot": "This page has no pinned registry, so it cannot check the fund's declarations.",
  "holdings.unverified":
    "The data source's records do not all match the registry this page trusts (batch {batches}), so no holding is judged here. Try another server or mirror, or check the batch on the Verify page.",
  "holdings.intro":
    "For every account the fund declared on a public chain: the balance the fund disclosed beside the balance this browser reads now from the RPC you choose. Nothing here is taken from the fund's server but the anchored records themselves (each can be checked on the Verify page).",
  "holdings.none": "The fund has declared no accounts on public chains yet.",
  "holdings.chain": "{chain}",
  "holdings.rpc": "RPC for this chain",
  "holdings.read": "Read balances",
  "holdings.chooseRpc": "Choose an RPC for this chain (an http or https address) to read its balances.",
  "holdings.rpcFailed": "The RPC did not answer: {message}",
  "holdings.readAt": "Read at block {block} from {rpc}.",
  "holdings.account": "Account",
  "holdings.asset": "Asset",
  "holdings.disclosed": "Disclosed balance",
  "holdings.onChain": "On chain now",
  "holdings.verdict": "Verdict",
  "holdings.atBlock": "block {block}",
  "holdings.verdict.matches": "Matches: the chain holds exactly what the fund disclosed at block {block}.",
  "holdings.verdict.changed":
    "Changed by {change} since the disclosure at block {block}. Check movements to see whether every change was disclosed.",
  "holdings.verdict.balance": "Does not match: at block {block} the chain shows {actual}, not what the fund disclosed.",
  "holdings.verdict.control": "Not proven: this account did not sign the fund's declaration.",
  "holdings.lastMovements": "Last disclosed movements",
  "holdings.noMovements": "No movements disclosed on this chain.",
  "holdings.scanRange": "Blocks to check",
  "holdings.checkMovements": "Check movements",
  "holdings.scanning": "Reading every transfer of the declared accounts…",
  "holdings.scanClean":
    "Blocks {from}–{to}: every transfer in and out of the declared accounts is disclosed, and the disclosures match the chain.",
  "holdings.scanFindings": "Blocks {from}–{to}: {count} problem(s) found.",
  "holdings.offChain":
    "What cannot be checked here: holdings off chain (ETF units, equities, bank accounts), assets held at exchanges, and chains without an adapter. For those, only the anchored records speak.",
  "holdings.finding.CONTROL_UNPROVEN": "Record #{seq}: the account {account} did not sign the declaration ({actual}).",
  "holdings.finding.BALANCE_MISMATCH": "Record #{seq}: the fund disclosed {expected} but the chain shows {actual}.",
  "holdings.finding.UNDISCLOSED_TRANSFER": "A transfer no record discloses: {actual} ({movement}).",
  "holdings.finding.PHANTOM_TRANSFER": "Record #{seq} names a movement the chain does not show: {actual} ({movement}).",
  "holdings.finding.TRANSFER_MISMATCH": "Record #{seq} says {expected}; the chain shows {actual}.",
  "holdings.finding.DUPLICATE_REFERENCE": "Record #{seq} names a movement another record already names ({actual}).",
  "holdings.finding.UNDISCLOSED_TX":
    "{account} sent transactions no record discloses: {actual}, records name {expected}.",
  "holdings.finding.NATIVE_UNEXPLAINED":
    "{account}'s balance changed by {actual} in {movement}; the disclosures explain {expected}.",
};

export const holdingsRu: Record<keyof typeof holdingsEn, string> = {
  "holdings.noTrustRoot": "На этой странице не закреплён реестр, поэтому она не может проверить заявления фонда.",
  "holdings.unverified":
    "Записи источника данных не совпадают с реестром, которому доверяет эта страница (пакет {batches}), поэтому активы здесь не оцениваются. Попробуйте другой сервер или зеркало.",
  "nav.holdings": "Активы",
  "holdings.title": "Активы в публичных блокчейнах",
  "holdings.intro":
    "Для каждого счёта, заявленного фондом в публичном блокчейне: раскрытый фондом баланс рядом с балансом, который этот браузер читает сейчас через выбранный вами RPC. С сервера фонда берутся только сами закреплённые записи (каждую можно проверить на странице «Проверить»).",
  "holdings.none": "Фонд пока не заявил счетов в публичных блокчейнах.",
  "holdings.chain": "{chain}",
  "holdings.rpc": "RPC для этой сети",
  "holdings.read": "Прочитать балансы",
  "holdings.chooseRpc": "Выберите RPC для этой сети (адрес http или https), чтобы прочитать балансы.",
  "holdings.rpcFailed": "RPC не ответил: {message}",
  "holdings.readAt": "Прочитано на блоке {block} через {rpc}.",
  "holdings.account": "Счёт",
  "holdings.asset": "Актив",
  "holdings.disclosed": "Раскрытый баланс",
  "holdings.onChain": "В блокчейне сейчас",
  "holdings.verdict": "Вывод",
  "holdings.atBlock": "блок {block}",
  "holdings.verdict.matches": "Совпадает: в блокчейне ровно то, что фонд раскрыл на блоке {block}.",
  "holdings.verdict.changed":
    "Изменился на {change} после раскрытия на блоке {block}. Проверьте движения, чтобы узнать, раскрыто ли каждое изменение.",
  "holdings.verdict.balance": "Не совпадает: на блоке {block} блокчейн показывает {actual}, а не то, что раскрыл фонд.",
  "holdings.verdict.control": "Не доказано: этот счёт не подписал заявление фонда.",
  "holdings.lastMovements": "Последние раскрытые движения",
  "holdings.noMovements": "В этой сети движений не раскрыто.",
  "holdings.scanRange": "Сколько блоков проверить",
  "holdings.checkMovements": "Проверить движения",
  "holdings.scanning": "Читаем все переводы заявленных счетов…",
  "holdings.scanClean":
    "Блоки {from}–{to}: каждый перевод на заявленные счета и с них раскрыт, и раскрытия совпадают с блокчейном.",
  "holdings.scanFindings": "Блоки {from}–{to}: найдено проблем: {count}.",
  "holdings.offChain":
    "Что здесь проверить нельзя: активы вне блокчейна (паи ETF, акции, банковские счета), активы на биржах и сети без адаптера. О них говорят только закреплённые записи.",
  "holdings.finding.CONTROL_UNPROVEN": "Запись №{seq}: счёт {account} не подписывал заявление ({actual}).",
  "holdings.finding.BALANCE_MISMATCH": "Запись №{seq}: фонд раскрыл {expected}, а блокчейн показывает {actual}.",
  "holdings.finding.UNDISCLOSED_TRANSFER": "Перевод, который не раскрыт ни одной записью: {actual} ({movement}).",
  "holdings.finding.PHANTOM_TRANSFER":
    "Запись №{seq} называет движение, которого нет в блокчейне: {actual} ({movement}).",
  "holdings.finding.TRANSFER_MISMATCH": "Запись №{seq} говорит {expected}; блокчейн показывает {actual}.",
  "holdings.finding.DUPLICATE_REFERENCE":
    "Запись №{seq} называет движение, которое уже названо другой записью ({actual}).",
  "holdings.finding.UNDISCLOSED_TX": "{account} отправил нераскрытые транзакции: {actual}, в записях {expected}.",
  "holdings.finding.NATIVE_UNEXPLAINED":
    "Баланс {account} изменился на {actual} в {movement}; раскрытия объясняют {expected}.",
};

export const holdingsKk: Record<keyof typeof holdingsEn, string> = {
  "holdings.noTrustRoot": "Бұл бетте тізілім бекітілмеген, сондықтан ол қордың мәлімдемелерін тексере алмайды.",
  "holdings.unverified":
    "Дерек көзінің жазбалары осы бет сенетін тізілімге сәйкес келмейді (пакет {batches}), сондықтан активтер мұнда бағаланбайды. Басқа серверді немесе айнаны қолданып көріңіз.",
  "nav.holdings": "Активтер",
  "holdings.title": "Ашық блокчейндердегі активтер",
  "holdings.intro":
    "Қор ашық блокчейнде жариялаған әр шот үшін: қор ашқан қалдық және осы браузер сіз таңдаған RPC арқылы қазір оқыған қалдық қатар көрсетіледі. Қордың серверінен тек бекітілген жазбалардың өзі алынады (әрқайсысын «Тексеру» бетінде тексеруге болады).",
  "holdings.none": "Қор әзірге ашық блокчейндерде шот жарияламаған.",
  "holdings.chain": "{chain}",
  "holdings.rpc": "Осы желіге арналған RPC",
  "holdings.read": "Қалдықтарды оқу",
  "holdings.chooseRpc": "Қалдықтарды оқу үшін осы желіге RPC таңдаңыз (http немесе https мекенжайы).",
  "holdings.rpcFailed": "RPC жауап бермеді: {message}",
  "holdings.readAt": "{block} блогында {rpc} арқылы оқылды.",
  "holdings.account": "Шот",
  "holdings.asset": "Актив",
  "holdings.disclosed": "Ашылған қалдық",
  "holdings.onChain": "Блокчейнде қазір",
  "holdings.verdict": "Қорытынды",
  "holdings.atBlock": "{block} блогы",
  "holdings.verdict.matches": "Сәйкес: блокчейнде қор {block} блогында ашқан мөлшер дәл бар.",
  "holdings.verdict.changed":
    "{block} блогындағы ашудан кейін {change} өзгерді. Әр өзгеріс ашылғанын білу үшін қозғалыстарды тексеріңіз.",
  "holdings.verdict.balance": "Сәйкес емес: {block} блогында блокчейн қор ашқанды емес, {actual} көрсетеді.",
  "holdings.verdict.control": "Дәлелденбеген: бұл шот қордың мәлімдемесіне қол қоймаған.",
  "holdings.lastMovements": "Соңғы ашылған қозғалыстар",
  "holdings.noMovements": "Бұл желіде ашылған қозғалыс жоқ.",
  "holdings.scanRange": "Тексерілетін блоктар саны",
  "holdings.checkMovements": "Қозғалыстарды тексеру",
  "holdings.scanning": "Жарияланған шоттардың барлық аударымдарын оқып жатырмыз…",
  "holdings.scanClean":
    "{from}–{to} блоктары: жарияланған шоттарға кірген және шыққан әр аударым ашылған, ашулар блокчейнмен сәйкес.",
  "holdings.scanFindings": "{from}–{to} блоктары: {count} мәселе табылды.",
  "holdings.offChain":
    "Мұнда тексеруге болмайтыны: блокчейннен тыс активтер (ETF үлестері, акциялар, банк шоттары), биржадағы активтер және адаптері жоқ желілер. Олар туралы тек бекітілген жазбалар айтады.",
  "holdings.finding.CONTROL_UNPROVEN": "№{seq} жазба: {account} шоты мәлімдемеге қол қоймаған ({actual}).",
  "holdings.finding.BALANCE_MISMATCH": "№{seq} жазба: қор {expected} ашты, ал блокчейн {actual} көрсетеді.",
  "holdings.finding.UNDISCLOSED_TRANSFER": "Ешбір жазба ашпаған аударым: {actual} ({movement}).",
  "holdings.finding.PHANTOM_TRANSFER": "№{seq} жазба блокчейнде жоқ қозғалысты атайды: {actual} ({movement}).",
  "holdings.finding.TRANSFER_MISMATCH": "№{seq} жазба {expected} дейді; блокчейн {actual} көрсетеді.",
  "holdings.finding.DUPLICATE_REFERENCE": "№{seq} жазба басқа жазба атаған қозғалысты атайды ({actual}).",
  "holdings.finding.UNDISCLOSED_TX": "{account} ашылмаған транзакциялар жіберген: {actual}, жазбаларда {expected}.",
  "holdings.finding.NATIVE_UNEXPLAINED":
    "{account} қалдығы {movement} ішінде {actual} өзгерді; ашулар {expected} түсіндіреді.",
};
