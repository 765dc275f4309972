//! Diesel table definitions, written to match both migration folders.

diesel::table! {
    organisations (id) {
        id -> BigInt,
        name -> Text,
        kind -> Text,
        parent_id -> Nullable<BigInt>,
        timezone -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        ledger_revision -> BigInt,
        storage_used -> BigInt,
        signoff_chain -> Text,
        allow_repeat_signer -> Bool,
    }
}

diesel::table! {
    departments (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    users (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        department_id -> Nullable<BigInt>,
        username -> Text,
        display_name -> Text,
        title -> Text,
        password_hash -> Text,
        active -> Bool,
        token_epoch -> BigInt,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        last_login_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    user_roles (user_id, role) {
        user_id -> BigInt,
        role -> Text,
    }
}

diesel::table! {
    refresh_tokens (id) {
        id -> BigInt,
        user_id -> BigInt,
        family -> Text,
        token_hash -> Text,
        created_at -> Timestamp,
        expires_at -> Timestamp,
        used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    api_tokens (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        name -> Text,
        token_prefix -> Text,
        token_hash -> Text,
        scopes -> Text,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        expires_at -> Nullable<Timestamp>,
        last_used_at -> Nullable<Timestamp>,
        revoked_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    inspections (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        title -> Text,
        inspector -> Text,
        onsite_start -> Nullable<Date>,
        onsite_end -> Nullable<Date>,
        feedback_date -> Nullable<Date>,
        deadline -> Nullable<Date>,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        signoff_chain -> Text,
    }
}

diesel::table! {
    leading_group_members (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        user_id -> BigInt,
        group_role -> Text,
        title -> Text,
        from_date -> Nullable<Date>,
        until_date -> Nullable<Date>,
        position -> Integer,
    }
}

diesel::table! {
    categories (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        ordinal -> Integer,
        title -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
    }
}

diesel::table! {
    problems (id) {
        id -> BigInt,
        inspection_id -> BigInt,
        category_id -> BigInt,
        ordinal -> Integer,
        title -> Text,
        feedback -> Text,
        responsible_leader_id -> Nullable<BigInt>,
        lead_department_id -> Nullable<BigInt>,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        closeout_status -> Text,
        closeout_requested_by -> Nullable<BigInt>,
        closed_by -> Nullable<BigInt>,
        closed_at -> Nullable<Timestamp>,
        closeout_comment -> Text,
    }
}

diesel::table! {
    measures (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        inspection_id -> BigInt,
        problem_id -> BigInt,
        ordinal -> Integer,
        problem_ordinal -> Integer,
        title -> Text,
        content -> Text,
        kind -> Text,
        responsible_leader_id -> Nullable<BigInt>,
        lead_department_id -> Nullable<BigInt>,
        deadline -> Nullable<Date>,
        progress -> Text,
        status -> Text,
        version -> BigInt,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        submission_round -> Integer,
        submitted_by -> Nullable<BigInt>,
        submitted_at -> Nullable<Timestamp>,
        next_lookback -> Nullable<Date>,
    }
}

diesel::table! {
    measure_assignees (measure_id, user_id) {
        measure_id -> BigInt,
        user_id -> BigInt,
    }
}

diesel::table! {
    measure_supporting_departments (measure_id, department_id) {
        measure_id -> BigInt,
        department_id -> BigInt,
    }
}

diesel::table! {
    measure_progress (id) {
        id -> BigInt,
        measure_id -> BigInt,
        author_id -> Nullable<BigInt>,
        progress -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    evidence_files (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        object_key -> Text,
        file_name -> Text,
        file_type -> Text,
        content_type -> Text,
        size -> BigInt,
        sha256 -> Text,
        uploaded_by -> Nullable<BigInt>,
        uploaded_at -> Timestamp,
    }
}

diesel::table! {
    evidence (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        inspection_id -> BigInt,
        problem_id -> BigInt,
        measure_id -> BigInt,
        file_id -> BigInt,
        title -> Text,
        document_number -> Nullable<Text>,
        document_date -> Nullable<Date>,
        description -> Text,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        deleted_at -> Nullable<Timestamp>,
        deleted_by -> Nullable<BigInt>,
        delete_reason -> Nullable<Text>,
    }
}

diesel::table! {
    evidence_versions (id) {
        id -> BigInt,
        evidence_id -> BigInt,
        version -> BigInt,
        change -> Text,
        file_id -> BigInt,
        title -> Text,
        document_number -> Nullable<Text>,
        document_date -> Nullable<Date>,
        description -> Text,
        reason -> Nullable<Text>,
        changed_by -> Nullable<BigInt>,
        changed_at -> Timestamp,
    }
}

diesel::table! {
    idempotency_keys (id) {
        id -> BigInt,
        principal -> Text,
        idempotency_key -> Text,
        fingerprint -> Text,
        status -> Integer,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    signoffs (id) {
        id -> BigInt,
        measure_id -> BigInt,
        round -> Integer,
        stage -> Text,
        decision -> Text,
        comment -> Text,
        evidence_digest -> Text,
        signer_id -> BigInt,
        repeat_signer -> Bool,
        created_at -> Timestamp,
        invalidated_at -> Nullable<Timestamp>,
        invalidated_reason -> Nullable<Text>,
    }
}

diesel::table! {
    audit_heads (organisation_id) {
        organisation_id -> BigInt,
        seq -> BigInt,
        hash -> Text,
    }
}

diesel::table! {
    audit_events (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        seq -> BigInt,
        actor_user_id -> Nullable<BigInt>,
        actor_token_id -> Nullable<BigInt>,
        actor -> Text,
        action -> Text,
        entity_type -> Text,
        entity_id -> BigInt,
        summary -> Text,
        request_id -> Nullable<Text>,
        created_at -> Timestamp,
        prev_hash -> Text,
        hash -> Text,
    }
}

diesel::table! {
    comments (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        entity_type -> Text,
        entity_id -> BigInt,
        author_id -> BigInt,
        body -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    extension_requests (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        measure_id -> BigInt,
        requested_by -> BigInt,
        old_deadline -> Nullable<Date>,
        new_deadline -> Date,
        reason -> Text,
        status -> Text,
        decided_by -> Nullable<BigInt>,
        decided_at -> Nullable<Timestamp>,
        decision_comment -> Text,
        created_at -> Timestamp,
    }
}

diesel::table! {
    lookbacks (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        inspection_id -> BigInt,
        entity_type -> Text,
        entity_id -> BigInt,
        result -> Text,
        findings -> Text,
        checked_by -> BigInt,
        created_at -> Timestamp,
    }
}

diesel::table! {
    notifications (id) {
        id -> BigInt,
        user_id -> BigInt,
        kind -> Text,
        measure_id -> Nullable<BigInt>,
        problem_id -> Nullable<BigInt>,
        message -> Text,
        dedupe_key -> Nullable<Text>,
        created_at -> Timestamp,
        read_at -> Nullable<Timestamp>,
    }
}

diesel::table! {
    reports (id) {
        id -> BigInt,
        organisation_id -> BigInt,
        inspection_id -> BigInt,
        number -> Integer,
        status -> Text,
        content -> Text,
        version -> BigInt,
        created_by -> Nullable<BigInt>,
        created_at -> Timestamp,
        updated_at -> Timestamp,
        released_by -> Nullable<BigInt>,
        released_at -> Nullable<Timestamp>,
        model -> Nullable<Text>,
        docx -> Nullable<Text>,
        sha256 -> Nullable<Text>,
    }
}

diesel::table! {
    import_column_mappings (organisation_id, header) {
        organisation_id -> BigInt,
        header -> Text,
        field -> Nullable<Text>,
        updated_at -> Timestamp,
    }
}

diesel::joinable!(departments -> organisations (organisation_id));
diesel::joinable!(users -> organisations (organisation_id));
diesel::joinable!(users -> departments (department_id));
diesel::joinable!(user_roles -> users (user_id));
diesel::joinable!(refresh_tokens -> users (user_id));
diesel::joinable!(api_tokens -> organisations (organisation_id));
diesel::joinable!(inspections -> organisations (organisation_id));
diesel::joinable!(leading_group_members -> inspections (inspection_id));
diesel::joinable!(leading_group_members -> users (user_id));
diesel::joinable!(categories -> inspections (inspection_id));
diesel::joinable!(problems -> categories (category_id));
diesel::joinable!(measures -> problems (problem_id));
diesel::joinable!(measure_assignees -> measures (measure_id));
diesel::joinable!(measure_supporting_departments -> measures (measure_id));
diesel::joinable!(measure_progress -> measures (measure_id));
diesel::joinable!(evidence -> evidence_files (file_id));
diesel::joinable!(signoffs -> measures (measure_id));
diesel::joinable!(comments -> users (author_id));
diesel::joinable!(evidence_versions -> evidence_files (file_id));
diesel::joinable!(import_column_mappings -> organisations (organisation_id));

diesel::allow_tables_to_appear_in_same_query!(
    organisations,
    departments,
    users,
    user_roles,
    refresh_tokens,
    api_tokens,
    inspections,
    leading_group_members,
    categories,
    problems,
    measures,
    measure_assignees,
    measure_supporting_departments,
    measure_progress,
    evidence_files,
    evidence,
    evidence_versions,
    idempotency_keys,
    signoffs,
    audit_heads,
    audit_events,
    comments,
    extension_requests,
    lookbacks,
    notifications,
    reports,
    import_column_mappings,
);
