/*
 * `util.transform`: filter objects to DynamoDB filter and condition expressions, to OpenSearch
 * query DSL, and to the subscription filters `extensions.setSubscriptionFilter` takes.
 *
 * The DynamoDB and subscription renderings follow outputs recorded from AWS's EvaluateCode
 * (the localstack/appsync-utils snapshots): value names carry every level of nesting
 * (`:and_0_or_1_a_eq`), a group of two or more members is wrapped in parentheses, top-level
 * members are joined without, and a filter AWS cannot render gives null rather than an error.
 */

const COMPARISONS = { eq: '=', ne: '<>', lt: '<', le: '<=', gt: '>', ge: '>=' };
const FUNCTIONS = { contains: 'contains', notContains: 'NOT contains', beginsWith: 'begins_with' };
const ATTRIBUTE_TYPES = {
  _null: 'NULL', string: 'S', stringSet: 'SS', number: 'N', numberSet: 'NS', binary: 'B',
  binarySet: 'BS', boolean: 'BOOL', list: 'L', map: 'M',
};

// Thrown inside the renderer for a filter AWS answers with null.
const UNRENDERABLE = {};

function valueName(prefix, field, op) {
  return ':' + prefix.concat([field, op]).join('_');
}

function wrapped(clauses, joiner) {
  const text = clauses.join(` ${joiner} `);
  return clauses.length > 1 ? `(${text})` : text;
}

// The clauses of one field's operators. `lhs` is `#f` or `size(#f)`; `base` names the values.
function operatorClauses(out, prefix, field, lhs, base, ops) {
  if (!isMap(ops)) throw UNRENDERABLE;
  const clauses = [];
  Object.keys(ops).forEach((op) => {
    const value = ops[op];
    const name = valueName(prefix, base, op);
    if (hasOwn(COMPARISONS, op)) {
      out.values[name] = toDynamoDB(value);
      clauses.push(`(${lhs} ${COMPARISONS[op]} ${name})`);
    } else if (hasOwn(FUNCTIONS, op)) {
      out.values[name] = toDynamoDB(value);
      clauses.push(`(${FUNCTIONS[op]}(${lhs},${name}))`);
    } else if (op === 'between') {
      if (!isArray(value) || value.length < 2) throw UNRENDERABLE;
      out.values[name + '_start'] = toDynamoDB(value[0]);
      out.values[name + '_end'] = toDynamoDB(value[1]);
      clauses.push(`(${lhs} BETWEEN ${name}_start AND ${name}_end)`);
    } else if (op === 'in') {
      if (!isArray(value)) throw UNRENDERABLE;
      const names = value.map((item, i) => {
        out.values[`${name}_${i}`] = toDynamoDB(item);
        return `${name}_${i}`;
      });
      clauses.push(names.length === 0 ? '(null)' : `(${lhs} IN (${names.join(', ')}))`);
    } else if (op === 'attributeExists') {
      if (typeof value !== 'boolean') throw UNRENDERABLE;
      clauses.push(`(${value ? 'attribute_exists' : 'attribute_not_exists'}(${lhs}))`);
    } else if (op === 'attributeType') {
      if (!hasOwn(ATTRIBUTE_TYPES, value)) throw UNRENDERABLE;
      out.values[name] = { S: ATTRIBUTE_TYPES[value] };
      clauses.push(`(attribute_type(${lhs},${name}))`);
    } else if (op === 'size') {
      // Nested sizes name their values again, but the call is not nested.
      const inner = operatorClauses(out, prefix, field, `size(#${field})`, `${base}_size`, value);
      if (inner !== '') clauses.push(inner);
    } else {
      throw UNRENDERABLE;
    }
  });
  return wrapped(clauses, 'AND');
}

// The expression of a filter object; its members joined with AND, unwrapped.
function filterClauses(out, filter, prefix) {
  if (!isMap(filter)) throw UNRENDERABLE;
  return Object.keys(filter).map((key) => {
    const value = filter[key];
    if (key === 'and' || key === 'or') {
      if (!isArray(value)) throw UNRENDERABLE;
      const members = value.map((member, i) =>
        filterClauses(out, member, prefix.concat([`${key}_${i}`])).join(' AND '));
      return wrapped(members, key.toUpperCase());
    }
    if (key === 'not') {
      if (!isMap(value)) throw UNRENDERABLE;
      return `(NOT ${filterClauses(out, value, prefix.concat(['not'])).join(' AND ')})`;
    }
    out.names[`#${key}`] = key;
    return operatorClauses(out, prefix, key, `#${key}`, key, value);
  });
}

function toDynamoDBFilterExpression(filter) {
  const out = { names: {}, values: {} };
  let expression;
  try {
    expression = filterClauses(out, filter, []).join(' AND ');
  } catch (e) {
    if (e === UNRENDERABLE) return null;
    throw e;
  }
  return stringify({ expression, expressionNames: out.names, expressionValues: out.values });
}

// ------------------------------------------------------------------ subscription filters

// The alternatives of a filter object: a list of groups (each a list of filters), or null when
// it sets no constraint. Every operator of a field, and every member of an `or`, is an
// alternative; fields, `and` members and rules multiply out.
function product(groups, alternatives) {
  if (groups === null) return alternatives;
  const out = [];
  groups.forEach((group) => alternatives.forEach((alt) => out.push(group.concat(alt))));
  return out;
}

function subscriptionGroups(filter, ignored) {
  let groups = null;
  Object.keys(filter).forEach((key) => {
    const value = filter[key];
    let alternatives;
    if (key === 'and' && isArray(value)) {
      let all = null;
      value.forEach((member) => {
        const groupsOfMember = isMap(member) ? subscriptionGroups(member, ignored) : [];
        if (groupsOfMember !== null) all = product(all, groupsOfMember); // null: all ignored
      });
      if (all === null && value.length > 0) return; // every member's fields were ignored
      alternatives = all || [];
    } else if (key === 'or' && isArray(value)) {
      alternatives = [];
      value.forEach((member) => {
        const groupsOfMember = isMap(member) ? subscriptionGroups(member, ignored) : null;
        if (groupsOfMember !== null) alternatives = alternatives.concat(groupsOfMember);
      });
    } else if (ignored.indexOf(key) >= 0) {
      return;
    } else {
      // `not` is a field name here, not a negation (as AWS reads it).
      const ops = value !== null && typeof value === 'object' ? Object.keys(value) : [];
      alternatives = ops.map((op) => [{ fieldName: key, operator: op, value: value[op] }]);
    }
    groups = product(groups, alternatives);
  });
  return groups;
}

function toSubscriptionFilter(filter, ignoredFields, rules) {
  if (!isMap(filter)) return null;
  const ignored = isArray(ignoredFields) ? ignoredFields : [];
  let groups = subscriptionGroups(filter, ignored);
  if (isMap(rules)) {
    const alternatives = [];
    Object.keys(rules).forEach((field) => {
      const ops = isMap(rules[field]) ? rules[field] : {};
      Object.keys(ops).forEach((op) => alternatives.push([{ fieldName: field, operator: op, value: ops[op] }]));
    });
    if (alternatives.length > 0) groups = product(groups, alternatives);
  }
  return { filterGroup: (groups || []).map((filters) => ({ filters })) };
}

// ------------------------------------------------------------------ OpenSearch query DSL

const SEARCH_LEAVES = {
  eq: 'term', match: 'match', matchPhrase: 'match_phrase', matchPhrasePrefix: 'match_phrase_prefix',
  wildcard: 'wildcard', regexp: 'regexp',
};

function searchClause(field, op, value) {
  if (hasOwn(SEARCH_LEAVES, op)) return { [SEARCH_LEAVES[op]]: { [field]: value } };
  if (op === 'ne') return { bool: { must_not: { term: { [field]: value } } } };
  if (op === 'gt' || op === 'gte' || op === 'lt' || op === 'lte') return { range: { [field]: { [op]: value } } };
  if (op === 'range') return { range: { [field]: { gte: value[0], lte: value[1] } } };
  if (op === 'exists') {
    const exists = { exists: { field } };
    return value ? exists : { bool: { must_not: exists } };
  }
  if (op === 'multiMatch') return { multi_match: Object.assign({ fields: [field] }, isMap(value) ? value : { query: value }) };
  throw new TypeError(`util.transform.toElasticsearchQueryDSL: unknown operator '${op}'`);
}

function searchQuery(filter) {
  const must = Object.keys(filter).map((key) => {
    const value = filter[key];
    if (key === 'and') return { bool: { must: value.map(searchQuery) } };
    if (key === 'or') return { bool: { should: value.map(searchQuery) } };
    if (key === 'not') return { bool: { must_not: searchQuery(value) } };
    return { bool: { must: Object.keys(value).map((op) => searchClause(key, op, value[op])) } };
  });
  return { bool: { must } };
}

const transform = {
  toDynamoDBFilterExpression,
  // AWS renders both the same way (every recorded input gave byte-identical output).
  toDynamoDBConditionExpression: toDynamoDBFilterExpression,
  toElasticsearchQueryDSL: (filter) => (isMap(filter) ? stringify(searchQuery(filter)) : null),
  toSubscriptionFilter,
};
