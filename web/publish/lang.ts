/** The publisher's desk in Kazakh, Russian and English (its own strings; the citizens' page has its own). */
export type DeskLang = "kk" | "ru" | "en";

const en = {
  title: "Aiqyn — publisher's desk",
  intro:
    "Publish the fund's records: one at a time, or a whole CSV/XLSX. Everything is checked first; nothing is written until you press Publish.",
  "key.label": "Publisher key",
  "key.note": "Kept in this tab's memory only: never saved, gone when the tab closes.",
  "tab.one": "One record",
  "tab.sheet": "Spreadsheet",
  "field.kind": "Kind",
  "field.date": "Date (Asia/Almaty)",
  "field.time": "Time (Asia/Almaty)",
  "field.asset": "Asset (upper case: BTC)",
  "field.amount": "Amount",
  "field.valueUsd": "Value in USD",
  "field.counterparty": "Counterparty",
  "field.reference": "Reference",
  "field.document": "Document (hashed here, uploaded on publish)",
  "field.memo": "Memo",
  "field.corrects": "Corrects seq (empty: none)",
  "field.payAsset": "Paid with asset (trade)",
  "field.payAmount": "Paid amount (trade)",
  "sheet.drop": "Drop a CSV or XLSX here, or choose one",
  "sheet.mapping": "Column mapping (aiqyn-columns/1, optional)",
  "sheet.documents": "Documents the sheet names (matched by file name)",
  "sheet.decimal": "Decimal mark",
  "sheet.preview": "Preview (first 20 rows)",
  "button.check": "Check (dry run)",
  "button.publish": "Publish",
  "button.receiptsJson": "Download receipts (JSON)",
  "button.receiptsCsv": "Download receipts (CSV)",
  "tz.note": "Dates and times are read in Asia/Almaty time (UTC+5).",
  "report.none": "No problems: ready to publish ({rows} row(s), {records} record(s)).",
  "report.problems": "{count} problem(s): nothing can be published until they are fixed.",
  "report.warnings": "{count} warning(s): published anyway; look at them.",
  "report.row": "row {row}",
  "status.checking": "Checking…",
  "status.progress": "Bulk {bulk} of {bulks}: {done} of {total} record(s) stored",
  "status.published": "Published {records} record(s). Download and keep the receipts.",
  "status.noKey": "Paste the publisher key first.",
  "status.noFile": "Choose a spreadsheet first.",
  "status.failed": "The server refused: {detail}",
  "status.document": "Document {name}: {hash}",
};

type Dictionary = Record<keyof typeof en, string>;

const ru: Dictionary = {
  title: "Aiqyn — публикация записей",
  intro:
    "Публикация записей фонда: по одной или целой таблицей CSV/XLSX. Сначала всё проверяется; ничего не публикуется, пока вы не нажмёте «Опубликовать».",
  "key.label": "Ключ публикации",
  "key.note": "Хранится только в памяти этой вкладки: никуда не сохраняется и исчезает, когда вкладка закрыта.",
  "tab.one": "Одна запись",
  "tab.sheet": "Таблица",
  "field.kind": "Вид",
  "field.date": "Дата (Asia/Almaty)",
  "field.time": "Время (Asia/Almaty)",
  "field.asset": "Актив (заглавными буквами, например BTC)",
  "field.amount": "Количество",
  "field.valueUsd": "Стоимость в USD",
  "field.counterparty": "Контрагент",
  "field.reference": "Основание",
  "field.document": "Документ (хеш вычисляется здесь, файл загружается при публикации)",
  "field.memo": "Примечание",
  "field.corrects": "Исправляет запись № (пусто — никакую)",
  "field.payAsset": "Актив, которым оплачено (сделка)",
  "field.payAmount": "Уплаченное количество (сделка)",
  "sheet.drop": "Перетащите сюда CSV или XLSX или выберите файл",
  "sheet.mapping": "Сопоставление столбцов (aiqyn-columns/1, необязательно)",
  "sheet.documents": "Документы, указанные в таблице (сопоставляются по имени файла)",
  "sheet.decimal": "Десятичный разделитель",
  "sheet.preview": "Предпросмотр (первые 20 строк)",
  "button.check": "Проверить, ничего не публикуя",
  "button.publish": "Опубликовать",
  "button.receiptsJson": "Скачать квитанции (JSON)",
  "button.receiptsCsv": "Скачать квитанции (CSV)",
  "tz.note": "Даты и время читаются по времени Asia/Almaty (UTC+5).",
  "report.none": "Проблем нет: можно публиковать (строк: {rows}, записей: {records}).",
  "report.problems": "Проблем: {count}. Пока они не исправлены, ничего опубликовать нельзя.",
  "report.warnings": "Предупреждений: {count}. Публикации они не мешают, но просмотрите их.",
  "report.row": "строка {row}",
  "status.checking": "Проверка…",
  "status.progress": "Часть {bulk} из {bulks}: сохранено записей — {done} из {total}",
  "status.published": "Опубликовано записей: {records}. Скачайте и сохраните квитанции.",
  "status.noKey": "Сначала вставьте ключ публикации.",
  "status.noFile": "Сначала выберите таблицу.",
  "status.failed": "Сервер отказал: {detail}",
  "status.document": "Документ {name}: {hash}",
};

const kk: Dictionary = {
  title: "Aiqyn — жазбаларды жариялау",
  intro:
    "Қор жазбаларын жариялау: бір-бірден немесе тұтас CSV/XLSX кестесімен. Алдымен бәрі тексеріледі; «Жариялау» батырмасын баспайынша ештеңе жарияланбайды.",
  "key.label": "Жариялау кілті",
  "key.note": "Тек осы қойындының жадында тұрады: ешқайда сақталмайды, қойынды жабылғанда жойылады.",
  "tab.one": "Бір жазба",
  "tab.sheet": "Кесте",
  "field.kind": "Түрі",
  "field.date": "Күні (Asia/Almaty)",
  "field.time": "Уақыты (Asia/Almaty)",
  "field.asset": "Актив (бас әріптермен, мысалы BTC)",
  "field.amount": "Мөлшері",
  "field.valueUsd": "Құны, USD",
  "field.counterparty": "Контрагент",
  "field.reference": "Негіздеме",
  "field.document": "Құжат (хеші осында есептеледі, файл жариялағанда жүктеледі)",
  "field.memo": "Ескертпе",
  "field.corrects": "Түзететін жазба нөмірі (бос — ешқайсысы)",
  "field.payAsset": "Төлем жасалған актив (мәміле)",
  "field.payAmount": "Төленген мөлшер (мәміле)",
  "sheet.drop": "CSV немесе XLSX файлын осында сүйреп әкеліңіз немесе таңдаңыз",
  "sheet.mapping": "Бағандар сәйкестігі (aiqyn-columns/1, міндетті емес)",
  "sheet.documents": "Кестеде аталған құжаттар (файл аты бойынша сәйкестендіріледі)",
  "sheet.decimal": "Ондық бөлгіш",
  "sheet.preview": "Алдын ала қарау (алғашқы 20 жол)",
  "button.check": "Жарияламай тексеру",
  "button.publish": "Жариялау",
  "button.receiptsJson": "Түбіртектерді жүктеп алу (JSON)",
  "button.receiptsCsv": "Түбіртектерді жүктеп алу (CSV)",
  "tz.note": "Күндер мен уақыт Asia/Almaty уақытымен (UTC+5) оқылады.",
  "report.none": "Мәселе жоқ: жариялауға дайын ({rows} жол, {records} жазба).",
  "report.problems": "Мәселелер саны: {count}. Олар түзетілмейінше ештеңе жарияланбайды.",
  "report.warnings": "Ескертулер саны: {count}. Олар жариялауға кедергі емес, бірақ қарап шығыңыз.",
  "report.row": "{row}-жол",
  "status.checking": "Тексерілуде…",
  "status.progress": "Бөлік {bulk} / {bulks}: сақталған жазбалар — {done} / {total}",
  "status.published": "{records} жазба жарияланды. Түбіртектерді жүктеп, сақтаңыз.",
  "status.noKey": "Алдымен жариялау кілтін қойыңыз.",
  "status.noFile": "Алдымен кестені таңдаңыз.",
  "status.failed": "Сервер қабылдамады: {detail}",
  "status.document": "Құжат {name}: {hash}",
};

export const DESK_DICTIONARIES: Record<DeskLang, Dictionary> = { en, ru, kk };
export type DeskKey = keyof typeof en;

let current: DeskLang = "en";

export function setDeskLang(lang: DeskLang): void {
  current = lang;
  document.documentElement.lang = lang;
}

export function deskLangFrom(languages: readonly string[]): DeskLang {
  for (const tag of languages) {
    const base = tag.toLowerCase().split("-")[0];
    if (base === "kk" || base === "ru" || base === "en") return base;
  }
  return "en";
}

export function tr(key: DeskKey, params: Record<string, string | number> = {}): string {
  return DESK_DICTIONARIES[current][key].replace(/\{(\w+)\}/g, (m, name: string) =>
    name in params ? String(params[name]) : m,
  );
}
